import { isLiteralCredential } from '../model/credentials';
import { STRIMZI_CLUSTER_LABEL } from '../model/strimzi';
import { CONNECT_CONFIG_PROVIDER_LIMITS, unlimitedProviderKeys } from './connect-providers';
import { CONSUMER_DURABILITY, Durability, PRODUCER_DURABILITY } from '../model/durability';
import { CONNECT_FORBIDDEN, CONNECTOR_FORBIDDEN, ForbiddenKeys, isForbidden, KAFKA_FORBIDDEN } from './strimzi-forbidden-keys';
import { describe, RenderedObject } from '../model/rendered-object';
import { CLIENT_PROPERTIES_KEY, KAFKA_CLIENT_CONFIG_LABEL, parseProperties } from '../model/client-properties';

/** One broken rule: which, where, and what was found. */
export interface PolicyViolation {
  readonly rule: PolicyRule;
  /** `Kind namespace/name` */
  readonly object: string;
  readonly message: string;
}

/** Every rule the policy enforces; the names appear in errors, tests and docs/architecture.md. */
export const POLICY_RULES = [
  'broker-count',
  'broker-default-replication-factor',
  'broker-min-insync-replicas',
  'broker-offsets-topic-replication',
  'broker-transaction-log-replication',
  'broker-transaction-log-min-isr',
  'broker-no-unclean-leader-election',
  'broker-no-auto-create-topics',
  'topic-replicas',
  'topic-min-insync-replicas',
  'connect-internal-topic-replication',
  'connect-exactly-once-source',
  'connect-producer-acks',
  'connect-producer-idempotence',
  'connect-consumer-read-committed',
  'connect-no-connector-client-overrides',
  'connect-narrow-config-providers',
  'connector-exactly-once-required',
  'connector-topic-creation-replication',
  'no-plaintext-password',
  'consumer-manual-commit',
  'consumer-read-committed',
  'strimzi-managed-key',
] as const;
export type PolicyRule = (typeof POLICY_RULES)[number];

const STRIMZI_API = 'kafka.strimzi.io/v1';

/**
 * Checks the synthesized objects — what will be applied, not the config that produced them —
 * against the policy rules. Returns every violation (empty: all rules hold).
 */
export function checkPolicy(objects: readonly RenderedObject[], durability: Durability): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  const report = (rule: PolicyRule, o: RenderedObject, message: string) => violations.push({ rule, object: describe(o), message });
  const strimzi = (kind: string) => objects.filter((o) => o.apiVersion === STRIMZI_API && o.kind === kind);

  for (const kafka of strimzi('Kafka')) checkBrokers(kafka, strimzi('KafkaNodePool'), durability, report);
  for (const topic of strimzi('KafkaTopic')) checkTopic(topic, durability, report);
  for (const connect of strimzi('KafkaConnect')) checkConnect(connect, durability, report);
  for (const connector of strimzi('KafkaConnector')) checkConnector(connector, durability, report);
  for (const map of objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.[KAFKA_CLIENT_CONFIG_LABEL] === 'consumer')) {
    checkConsumer(map, report);
  }
  return violations;
}

type Report = (rule: PolicyRule, o: RenderedObject, message: string) => void;

function checkBrokers(kafka: RenderedObject, pools: readonly RenderedObject[], d: Durability, report: Report): void {
  const config: Record<string, unknown> = kafka.spec?.kafka?.config ?? {};
  const at = (key: string) => `spec.kafka.config["${key}"]`;
  atLeast(report, kafka, 'broker-default-replication-factor', at('default.replication.factor'), config['default.replication.factor'], d.replicationFactor);
  atLeast(report, kafka, 'broker-min-insync-replicas', at('min.insync.replicas'), config['min.insync.replicas'], d.minInSyncReplicas);
  atLeast(report, kafka, 'broker-offsets-topic-replication', at('offsets.topic.replication.factor'), config['offsets.topic.replication.factor'], d.replicationFactor);
  atLeast(
    report,
    kafka,
    'broker-transaction-log-replication',
    at('transaction.state.log.replication.factor'),
    config['transaction.state.log.replication.factor'],
    d.replicationFactor,
  );
  atLeast(report, kafka, 'broker-transaction-log-min-isr', at('transaction.state.log.min.isr'), config['transaction.state.log.min.isr'], d.minInSyncReplicas);
  equals(report, kafka, 'broker-no-unclean-leader-election', at('unclean.leader.election.enable'), config['unclean.leader.election.enable'], false);
  equals(report, kafka, 'broker-no-auto-create-topics', at('auto.create.topics.enable'), config['auto.create.topics.enable'], false);
  forbiddenKeys(report, kafka, 'spec.kafka.config', config, KAFKA_FORBIDDEN);

  const brokers = pools
    .filter((p) => p.metadata.namespace === kafka.metadata.namespace && p.metadata.labels?.[STRIMZI_CLUSTER_LABEL] === kafka.metadata.name)
    .filter((p) => (p.spec?.roles ?? []).includes('broker'))
    .reduce((sum, p) => sum + Number(p.spec?.replicas ?? 0), 0);
  const needed = Math.max(d.minBrokers, d.replicationFactor);
  if (brokers < needed) report('broker-count', kafka, `has ${brokers} broker node(s) in its KafkaNodePools, needs at least ${needed}`);
}

function checkTopic(topic: RenderedObject, d: Durability, report: Report): void {
  atLeast(report, topic, 'topic-replicas', 'spec.replicas', topic.spec?.replicas, d.replicationFactor);
  const minIsr = topic.spec?.config?.['min.insync.replicas'];
  atLeast(report, topic, 'topic-min-insync-replicas', 'spec.config["min.insync.replicas"]', minIsr, d.minInSyncReplicas);
  if (Number(minIsr) > Number(topic.spec?.replicas)) {
    report('topic-min-insync-replicas', topic, `spec.config["min.insync.replicas"] (${minIsr}) exceeds spec.replicas (${topic.spec?.replicas}): no write could succeed`);
  }
}

function checkConnect(connect: RenderedObject, d: Durability, report: Report): void {
  const config: Record<string, unknown> = connect.spec?.config ?? {};
  const at = (key: string) => `spec.config["${key}"]`;
  for (const key of ['config.storage.replication.factor', 'offset.storage.replication.factor', 'status.storage.replication.factor']) {
    atLeast(report, connect, 'connect-internal-topic-replication', at(key), config[key], d.replicationFactor);
  }
  equals(report, connect, 'connect-exactly-once-source', at('exactly.once.source.support'), config['exactly.once.source.support'], 'enabled');
  equals(report, connect, 'connect-producer-acks', at('producer.acks'), config['producer.acks'], PRODUCER_DURABILITY.acks);
  equals(report, connect, 'connect-producer-idempotence', at('producer.enable.idempotence'), config['producer.enable.idempotence'], PRODUCER_DURABILITY['enable.idempotence']);
  equals(report, connect, 'connect-consumer-read-committed', at('consumer.isolation.level'), config['consumer.isolation.level'], CONSUMER_DURABILITY['isolation.level']);
  // Otherwise a connector could set producer.override.acks=1 in its own config.
  equals(report, connect, 'connect-no-connector-client-overrides', at('connector.client.config.override.policy'), config['connector.client.config.override.policy'], 'None');
  // Otherwise a connector could resolve any environment variable or readable file (connect-providers.ts).
  for (const [key, value] of Object.entries(CONNECT_CONFIG_PROVIDER_LIMITS)) equals(report, connect, 'connect-narrow-config-providers', at(key), config[key], value);
  for (const key of unlimitedProviderKeys(config))
    report('connect-narrow-config-providers', connect, `${at(key)} is set: no provider may be added or widened beyond src/policy/connect-providers.ts`);
  plaintextPasswords(report, connect, 'spec.config', config);
  forbiddenKeys(report, connect, 'spec.config', config, CONNECT_FORBIDDEN);
}

function checkConnector(connector: RenderedObject, d: Durability, report: Report): void {
  const config: Record<string, unknown> = connector.spec?.config ?? {};
  const at = (key: string) => `spec.config["${key}"]`;
  equals(report, connector, 'connector-exactly-once-required', at('exactly.once.support'), config['exactly.once.support'], 'required');
  atLeast(
    report,
    connector,
    'connector-topic-creation-replication',
    at('topic.creation.default.replication.factor'),
    config['topic.creation.default.replication.factor'],
    d.replicationFactor,
  );
  plaintextPasswords(report, connector, 'spec.config', config);
  forbiddenKeys(report, connector, 'spec.config', config, CONNECTOR_FORBIDDEN);
}

function checkConsumer(map: RenderedObject, report: Report): void {
  const props = parseProperties(map.data?.[CLIENT_PROPERTIES_KEY] ?? '');
  const at = (key: string) => `data["${CLIENT_PROPERTIES_KEY}"] ${key}`;
  equals(report, map, 'consumer-manual-commit', at('enable.auto.commit'), props['enable.auto.commit'], String(CONSUMER_DURABILITY['enable.auto.commit']));
  equals(report, map, 'consumer-read-committed', at('isolation.level'), props['isolation.level'], CONSUMER_DURABILITY['isolation.level']);
  plaintextPasswords(report, map, `data["${CLIENT_PROPERTIES_KEY}"]`, props);
}

function plaintextPasswords(report: Report, o: RenderedObject, where: string, config: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(config)) {
    if (isLiteralCredential(key, value)) {
      report('no-plaintext-password', o, `${where}["${key}"] holds a literal value; use a config provider reference such as \${strimzisecrets:<namespace>/<secret>:<key>}`);
    }
  }
}

function forbiddenKeys(report: Report, o: RenderedObject, where: string, config: Record<string, unknown>, rules: ForbiddenKeys): void {
  for (const key of Object.keys(config)) {
    if (isForbidden(key, rules)) report('strimzi-managed-key', o, `${where}["${key}"] is managed by Strimzi and would be silently dropped`);
  }
}

function atLeast(report: Report, o: RenderedObject, rule: PolicyRule, where: string, value: unknown, minimum: number): void {
  if (value === undefined) report(rule, o, `${where} is missing, must be >= ${minimum}`);
  else if (!(Number(value) >= minimum)) report(rule, o, `${where} is ${JSON.stringify(value)}, must be >= ${minimum}`);
}

function equals(report: Report, o: RenderedObject, rule: PolicyRule, where: string, value: unknown, expected: string | boolean): void {
  if (value !== expected) report(rule, o, `${where} is ${value === undefined ? 'missing' : JSON.stringify(value)}, must be ${JSON.stringify(expected)}`);
}
