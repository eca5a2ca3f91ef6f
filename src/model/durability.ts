import { DurabilityLevel, KafkaSettings } from './config';

/**
 * The durability settings, in one place. Constructs emit them and the policy (./enforce.ts) checks
 * the synthesized objects against them, so a setting that is weakened anywhere — an override in an
 * environment file, a construct change — fails the synth instead of losing data later.
 */
export interface Durability {
  readonly level: DurabilityLevel;
  /** Replicas of every topic (and of Kafka's and Connect's internal topics). */
  readonly replicationFactor: number;
  /** With acks=all, a write succeeds only once this many replicas have it. */
  readonly minInSyncReplicas: number;
  /** Fewest broker nodes the cluster may have. */
  readonly minBrokers: number;
}

/** Full durability: a write survives the loss of any one broker, and one broker may be down for maintenance. */
export const FULL_DURABILITY: Durability = { level: 'full', replicationFactor: 3, minInSyncReplicas: 2, minBrokers: 3 };

/**
 * `reduced` (explicit opt-in, e.g. a one-broker laptop): replication follows the broker count.
 * Producer acks, idempotence and read_committed consumers are not relaxed: they cost nothing.
 */
export function durabilityFor(level: DurabilityLevel, brokers: number): Durability {
  if (level === 'full') return FULL_DURABILITY;
  const replicationFactor = Math.min(brokers, FULL_DURABILITY.replicationFactor);
  return { level, replicationFactor, minInSyncReplicas: Math.max(1, replicationFactor - 1), minBrokers: 1 };
}

/**
 * The replication every Kafka object gets: the level's floor, raised by `kafka.config`'s
 * `default.replication.factor` and `min.insync.replicas` where the user asks for more. One value
 * for the broker defaults, every KafkaTopic, Connect's internal topics and the connector's topic
 * creation, so raising durability raises it everywhere. A value below the floor is rendered as
 * asked and refused by the policy, which checks against the floor (`durabilityFor`).
 */
export function effectiveDurability(kafka: Pick<KafkaSettings, 'durability' | 'brokers' | 'config'>): Durability {
  const floor = durabilityFor(kafka.durability, kafka.brokers.replicas);
  const replicationFactor = kafka.config['default.replication.factor'];
  const minInSyncReplicas = kafka.config['min.insync.replicas'];
  return {
    ...floor,
    replicationFactor: replicationFactor === undefined ? floor.replicationFactor : Number(replicationFactor),
    minInSyncReplicas: minInSyncReplicas === undefined ? floor.minInSyncReplicas : Number(minInSyncReplicas),
  };
}

/**
 * Broker settings (spec.kafka.config). Strimzi sets min.insync.replicas to 1 when it is missing, so
 * it is always stated. No `log.flush.*`: Kafka and the Strimzi docs leave fsync to the OS and make
 * durability come from replication across brokers, which these settings enforce.
 */
export function brokerDurabilityConfig(d: Durability): Record<string, string | number | boolean> {
  return {
    'default.replication.factor': d.replicationFactor,
    'min.insync.replicas': d.minInSyncReplicas,
    'offsets.topic.replication.factor': d.replicationFactor,
    'transaction.state.log.replication.factor': d.replicationFactor,
    'transaction.state.log.min.isr': d.minInSyncReplicas,
    // A replica that fell behind must never become leader: that silently drops acknowledged writes.
    'unclean.leader.election.enable': false,
    // Every topic is declared as a KafkaTopic with its replication; a typo must not create one.
    'auto.create.topics.enable': false,
  };
}

/** Producer settings, stated even where they are Kafka's defaults so that the policy can read them. */
export const PRODUCER_DURABILITY = { acks: 'all', 'enable.idempotence': true } as const;

/** Consumer settings: commit only after processing, and never see aborted transactions. */
export const CONSUMER_DURABILITY = { 'enable.auto.commit': false, 'isolation.level': 'read_committed' } as const;
