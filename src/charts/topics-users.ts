import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { cdcTopicName, heartbeatTopicName, transactionTopicName } from '../constructs/kafka/debezium-connector';
import { connectInternalTopics, CONNECT_INTERNAL_PARTITIONS } from '../constructs/kafka/connect';
import { KafkaCluster } from '../constructs/kafka/cluster';
import { KafkaTopic } from '../constructs/kafka/topic';
import { AclRule, KafkaUser, Operation, PatternType, ResourceType } from '../constructs/kafka/user';
import { ConsumerSettings } from '../model/config';
import { eventSizeSettings } from '../model/event-size';
import { ChartContext } from './context';

export interface TopicsUsersChartProps extends ChartContext {
  readonly cluster: KafkaCluster;
}

const COMPACTED = { 'cleanup.policy': 'compact' } as const;

/**
 * Every topic the pipeline uses, declared with its replication (nothing is auto-created), and a
 * KafkaUser per client with exactly the ACLs it needs.
 */
export class TopicsUsersChart extends Chart {
  /** CDC topics by `schema.table`. */
  readonly cdcTopics: ReadonlyMap<string, KafkaTopic>;
  /** The transaction metadata topic (capture.transactionMetadata), which every consumer reads. */
  readonly transactionTopic?: KafkaTopic;
  readonly connectUser: KafkaUser;
  /** KafkaUsers of the consumers, by consumer name. */
  private readonly consumerUsers = new Map<string, KafkaUser>();
  private readonly cluster: KafkaCluster;

  constructor(scope: Construct, id: string, { env, durability, cluster }: TopicsUsersChartProps) {
    super(scope, id);
    this.cluster = cluster;
    const { capture, connect, consumers } = env.config;
    const replication = { replicas: durability.replicationFactor, minIsr: { 'min.insync.replicas': durability.minInSyncReplicas } };
    const topic = (topicId: string, topicName: string, partitions: number, component: string, config: Record<string, string> = {}) =>
      new KafkaTopic(this, topicId, { cluster, topicName, partitions, replicas: replication.replicas, config: { ...replication.minIsr, ...config }, component });

    this.cdcTopics = new Map(
      capture.tables.map((t) => [
        `${t.schema}.${t.table}`,
        topic(`Cdc-${t.schema}.${t.table}`, cdcTopicName(capture.topicPrefix, t), capture.partitions, 'cdc-topic', {
          'cleanup.policy': capture.cleanupPolicy,
          ...eventSizeSettings(capture.maxEventBytes).topic,
        }),
      ]),
    );
    const heartbeat = topic('Heartbeat', heartbeatTopicName(capture.topicPrefix), 1, 'cdc-topic');
    // History only: a transaction's records matter until consumers have applied it (their keys never
    // repeat, so compaction would keep every one for ever).
    // One partition: a consumer sees the transactions in commit order.
    this.transactionTopic = capture.transactionMetadata
      ? topic('Transactions', transactionTopicName(capture.topicPrefix), 1, 'cdc-transactions', { 'cleanup.policy': 'delete' })
      : undefined;
    const outputTopics = [...[...this.cdcTopics.values()].map((t) => t.topicName), heartbeat.topicName, ...(this.transactionTopic ? [this.transactionTopic.topicName] : [])];
    const internal = connectInternalTopics(connect.name);
    topic('ConnectConfig', internal.config, CONNECT_INTERNAL_PARTITIONS.config, 'kafka-connect', COMPACTED);
    topic('ConnectOffset', internal.offset, CONNECT_INTERNAL_PARTITIONS.offset, 'kafka-connect', COMPACTED);
    topic('ConnectStatus', internal.status, CONNECT_INTERNAL_PARTITIONS.status, 'kafka-connect', COMPACTED);

    const literalTopics = (names: readonly string[], operations: Operation[]): AclRule[] => names.map((name) => ({ type: ResourceType.TOPIC, name, operations }));
    this.connectUser = new KafkaUser(this, 'ConnectUser', {
      cluster,
      name: connect.name,
      component: 'kafka-connect',
      acls: [
        // Its internal topics; DescribeConfigs because workers verify they are compacted.
        ...literalTopics([internal.config, internal.offset, internal.status], [Operation.READ, Operation.WRITE, Operation.DESCRIBE, Operation.DESCRIBE_CONFIGS]),
        // The connector's output: write only.
        ...literalTopics(outputTopics, [Operation.WRITE, Operation.DESCRIBE]),
        { type: ResourceType.GROUP, name: connect.name, operations: [Operation.READ] },
        // Exactly-once source: task producers use transactional ids `<group>-<connector>-<task>`,
        // the leader `connect-cluster-<group>` (Kafka Connect docs, "Exactly-once support").
        { type: ResourceType.TRANSACTIONAL_ID, name: connect.name, patternType: PatternType.PREFIX, operations: [Operation.WRITE, Operation.DESCRIBE] },
        { type: ResourceType.TRANSACTIONAL_ID, name: `connect-cluster-${connect.name}`, operations: [Operation.WRITE, Operation.DESCRIBE] },
        { type: ResourceType.CLUSTER, operations: [Operation.IDEMPOTENT_WRITE] },
      ],
    });

    for (const consumer of consumers) this.consumerUser(consumer);
  }

  /** The consumer's KafkaUser (made on first use): read on its tables' topics and the transaction topic, its group. */
  consumerUser(consumer: Pick<ConsumerSettings, 'name' | 'tables' | 'groupId'>): KafkaUser {
    const existing = this.consumerUsers.get(consumer.name);
    if (existing) return existing;
    const user = new KafkaUser(this, `Consumer-${consumer.name}`, { cluster: this.cluster, name: consumer.name, component: 'consumer', acls: [] });
    for (const topic of this.consumerTopicsOf(consumer.tables)) topic.grantRead(user);
    user.allowGroup(consumer.groupId ?? consumer.name);
    this.consumerUsers.set(consumer.name, user);
    return user;
  }

  /** What a consumer of `tables` reads: their CDC topics, and the transaction topic when there is one. */
  consumerTopics(tables: readonly string[]): string[] {
    return this.consumerTopicsOf(tables).map((t) => t.topicName);
  }

  private consumerTopicsOf(tables: readonly string[]): KafkaTopic[] {
    return [...tables.map((t) => this.topicFor(t)), ...(this.transactionTopic ? [this.transactionTopic] : [])];
  }

  /** The CDC topic of a captured `schema.table` (config validation guarantees it exists). */
  topicFor(table: string): KafkaTopic {
    const found = this.cdcTopics.get(table);
    if (!found) throw new Error(`no CDC topic for ${table}: it is not a captured table`);
    return found;
  }
}
