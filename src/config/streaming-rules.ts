import { durabilityFor } from '../policy/durability';
import { CREDENTIAL_RULE, isLiteralCredential } from './credentials';
import { ConfigIssue, EnvironmentConfig, KafkaConfigMap } from './types';

/** The KRaft quorum sizes that tolerate failures sensibly (1 for a laptop, 3 or 5 in production). */
const QUORUM_SIZES = [1, 3, 5];

/** Cross-field rules of the streaming plane: brokers and durability, the KRaft quorum, consumers. */
export function streamingIssues(config: EnvironmentConfig): ConfigIssue[] {
  const durability = durabilityIssues(config);
  // Replication overrides are judged only once the broker count itself is acceptable.
  return [...(durability.length > 0 ? durability : replicationIssues(config)), ...quorumIssues(config), ...consumerIssues(config), ...credentialIssues(config)];
}

/** Overrides that make acknowledged writes impossible: more in-sync replicas than copies, more copies than brokers. */
function replicationIssues({ kafka }: EnvironmentConfig): ConfigIssue[] {
  const defaults = durabilityFor(kafka.durability, kafka.brokers.replicas);
  const replicationFactor = Number(kafka.config['default.replication.factor'] ?? defaults.replicationFactor);
  const minInSync = Number(kafka.config['min.insync.replicas'] ?? defaults.minInSyncReplicas);
  if (replicationFactor > kafka.brokers.replicas) {
    return [{ path: '/kafka/config/default.replication.factor', message: `must not exceed kafka.brokers.replicas (${kafka.brokers.replicas}), got ${replicationFactor}`, rule: 'a topic cannot have more copies than there are brokers' }];
  }
  if (minInSync > replicationFactor) {
    return [{ path: '/kafka/config/min.insync.replicas', message: `must not exceed the replication factor (${replicationFactor}), got ${minInSync}`, rule: 'with more in-sync replicas required than copies exist, no acks=all write can succeed' }];
  }
  return [];
}

/** Literal passwords in any Kafka, Connect, connector or consumer config section. */
function credentialIssues({ kafka, connect, consumers }: EnvironmentConfig): ConfigIssue[] {
  const sections: [string, KafkaConfigMap][] = [
    ['/kafka/config', kafka.config],
    ['/connect/config', connect.config],
    ['/connect/connector/config', connect.connector.config],
    ...consumers.map((c, i): [string, KafkaConfigMap] => [`/consumers/${i}/config`, c.config]),
  ];
  return sections.flatMap(([path, config]) => Object.entries(config)
    .filter(([key, value]) => isLiteralCredential(key, value))
    .map(([key]) => ({ path: `${path}/${key}`, message: 'holds a literal credential', rule: CREDENTIAL_RULE })));
}

function durabilityIssues({ kafka }: EnvironmentConfig): ConfigIssue[] {
  const brokers = kafka.brokers.replicas;
  if (kafka.durability === 'full' && brokers < 3) {
    return [{
      path: '/kafka/brokers/replicas',
      message: `must be >= 3, got ${brokers}`,
      rule: 'replication factor 3 with min.insync.replicas 2 needs three brokers; set kafka.durability: reduced to accept losing writes with a broker',
    }];
  }
  if (kafka.durability === 'reduced' && brokers >= 3) {
    return [{ path: '/kafka/durability', message: `must be full with ${brokers} brokers`, rule: 'reduced durability only applies below three brokers and would be silently ignored' }];
  }
  return [];
}

function quorumIssues({ kafka }: EnvironmentConfig): ConfigIssue[] {
  const { controllers, brokers, durability } = kafka;
  if (controllers.mode === 'dual-role' && !QUORUM_SIZES.includes(brokers.replicas)) {
    return [{
      path: '/kafka/brokers/replicas',
      message: `must be 1, 3 or 5 while controllers.mode is dual-role, got ${brokers.replicas}`,
      rule: 'dual-role brokers are the KRaft quorum, which needs an odd size; use controllers.mode: dedicated for other broker counts',
    }];
  }
  if (controllers.mode === 'dedicated' && durability === 'full' && controllers.replicas < 3) {
    return [{ path: '/kafka/controllers/replicas', message: `must be >= 3 with full durability, got ${controllers.replicas}`, rule: 'a quorum of one stops the cluster when its node does' }];
  }
  return [];
}

function consumerIssues({ consumers, capture, connect }: EnvironmentConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const captured = new Set(capture.tables.map((t) => `${t.schema}.${t.table}`));
  const names = new Set<string>();
  const groups = new Set<string>();
  consumers.forEach((consumer, i) => {
    const at = `/consumers/${i}`;
    const group = consumer.groupId ?? consumer.name;
    if (names.has(consumer.name)) {
      issues.push({ path: `${at}/name`, message: `duplicates ${consumer.name}`, rule: 'each consumer has its own Deployment and KafkaUser' });
    } else if (consumer.name === connect.name) {
      issues.push({ path: `${at}/name`, message: `must differ from connect.name (${connect.name})`, rule: 'KafkaUser names are shared by Kafka Connect and the consumers' });
    } else if (groups.has(group) || group === connect.name) {
      issues.push({ path: `${at}/groupId`, message: `duplicates group ${group}`, rule: 'two applications in one consumer group would each see only part of the changes' });
    }
    consumer.tables.forEach((table, j) => {
      if (!captured.has(table)) issues.push({ path: `${at}/tables/${j}`, message: `${table} is not a captured table`, rule: 'consumers read topics of tables in capture.tables' });
    });
    names.add(consumer.name);
    groups.add(group);
  });
  return issues;
}
