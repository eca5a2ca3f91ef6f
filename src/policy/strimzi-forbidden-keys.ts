/**
 * Config keys Strimzi 1.2 manages itself and silently drops from what we write (Strimzi API
 * reference: KafkaClusterSpec `config`, KafkaConnectSpec `config`, KafkaConnectorSpec `config`).
 * Emitting one would be a setting that looks applied but is not, so the policy rejects them.
 */
export interface ForbiddenKeys {
  /** Keys starting with any of these are dropped… */
  readonly prefixes: readonly string[];
  /** …as are these exact keys… */
  readonly exact: readonly string[];
  /** …unless listed here. */
  readonly exceptions: readonly string[];
}

export const KAFKA_FORBIDDEN: ForbiddenKeys = {
  prefixes: [
    'advertised.',
    'authorizer.',
    'broker.',
    'controller',
    'cruise.control.metrics.reporter.bootstrap.',
    'cruise.control.metrics.topic',
    'host.name',
    'inter.broker.listener.name',
    // `listener` covers listeners, listeners.* and listener.name.*.
    'listener',
    'log.dir',
    'metadata.log.dir',
    'node.id',
    'password.',
    'port',
    'process.roles',
    'sasl.',
    'security.',
    'servers',
    'ssl.',
    'super.user',
    'zookeeper.',
  ],
  exact: [],
  exceptions: [
    'sasl.server.max.receive.size',
    'ssl.cipher.suites',
    'ssl.protocol',
    'ssl.enabled.protocols',
    'ssl.secure.random.implementation',
    'cruise.control.metrics.topic.num.partitions',
    'cruise.control.metrics.topic.replication.factor',
    'cruise.control.metrics.topic.retention.ms',
    'cruise.control.metrics.topic.auto.create.retries',
    'cruise.control.metrics.topic.auto.create.timeout.ms',
    'cruise.control.metrics.topic.min.insync.replicas',
    'controller.quorum.election.backoff.max.ms',
    'controller.quorum.election.timeout.ms',
    'controller.quorum.fetch.timeout.ms',
  ],
};

export const CONNECT_FORBIDDEN: ForbiddenKeys = {
  prefixes: [
    'group.id',
    'config.storage.topic',
    'offset.storage.topic',
    'status.storage.topic',
    'ssl.',
    'sasl.',
    'security.',
    'listeners',
    'plugin.path',
    'rest.',
    'bootstrap.servers',
    'consumer.interceptor.classes',
    'producer.interceptor.classes',
    'prometheus.metrics.reporter.',
  ],
  exact: [],
  exceptions: ['ssl.endpoint.identification.algorithm', 'ssl.cipher.suites', 'ssl.protocol', 'ssl.enabled.protocols'],
};

/** A KafkaConnector's `config` may not set these: they are spec fields (class, tasksMax, version) or its name. */
export const CONNECTOR_FORBIDDEN: ForbiddenKeys = {
  prefixes: [],
  exact: ['name', 'connector.class', 'tasks.max', 'connector.plugin.version'],
  exceptions: [],
};

export function isForbidden(key: string, rules: ForbiddenKeys): boolean {
  if (rules.exceptions.includes(key)) return false;
  return rules.exact.includes(key) || rules.prefixes.some((p) => key.startsWith(p));
}
