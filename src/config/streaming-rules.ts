import { ConfigIssue, EnvironmentConfig } from './types';

/** The KRaft quorum sizes that tolerate failures sensibly (1 for a laptop, 3 or 5 in production). */
const QUORUM_SIZES = [1, 3, 5];

/** Cross-field rules of the streaming plane: brokers and durability, the KRaft quorum, consumers. */
export function streamingIssues(config: EnvironmentConfig): ConfigIssue[] {
  return [...durabilityIssues(config), ...quorumIssues(config), ...consumerIssues(config)];
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
