import { DEBEZIUM_PLUGIN_SHA512, pluginSha512For } from '../model/debezium-plugin';
import { compareDebeziumVersions, dataLossBugsIn } from '../model/debezium-known-bugs';
import { STRIMZI_KAFKA_VERSIONS, STRIMZI_VERSION } from '../model/strimzi';
import { eventSizeSettings } from '../model/event-size';
import { durabilityFor } from '../model/durability';
import { CREDENTIAL_RULE, isLiteralCredential } from '../model/credentials';
import { ConfigIssue, EnvironmentConfig, KafkaConfigMap } from '../model/config';

/** The KRaft quorum sizes that tolerate failures sensibly (1 for a laptop, 3 or 5 in production). */
const QUORUM_SIZES = [1, 3, 5];

/** Cross-field rules of the streaming plane: brokers and durability, the KRaft quorum, consumers. */
export function streamingIssues(config: EnvironmentConfig): ConfigIssue[] {
  const durability = durabilityIssues(config);
  // Replication overrides are judged only once the broker count itself is acceptable.
  return [
    ...(durability.length > 0 ? durability : replicationIssues(config)),
    ...quorumIssues(config),
    ...consumerIssues(config),
    ...credentialIssues(config),
    ...versionIssues(config),
    ...knownDataLossIssues(config),
    ...pluginPinIssues(config),
    ...eventSettingIssues(config),
  ];
}

/** Connector keys that capture.* settings own: overriding one would bypass the rule behind it. */
const CONNECTOR_KEYS_FROM_CAPTURE: Readonly<Record<string, string>> = {
  'decimal.handling.mode': 'capture.decimalHandling',
  'skipped.operations': 'capture.truncate',
  'topic.creation.default.max.message.bytes': 'capture.maxEventBytes',
};

/**
 * What events carry has one source, the capture section: an event-size limit overridden in one
 * place (a smaller producer request, a smaller broker limit) makes the task fail on a row the
 * database accepted; a connector override could bring back the decimal or TRUNCATE handling that
 * stops the pipeline.
 */
function eventSettingIssues({ capture, kafka, connect, consumers }: EnvironmentConfig): ConfigIssue[] {
  const rule = 'one limit on a change event and one way to encode it, for the database, the producer, the brokers, the topics and the consumers';
  const carried = eventSizeSettings(capture.maxEventBytes);
  const limits: [string, KafkaConfigMap, string][] = [
    ['/kafka/config', kafka.config, 'message.max.bytes'],
    ['/connect/config', connect.config, 'producer.max.request.size'],
    ...consumers.map((c, i): [string, KafkaConfigMap, string] => [`/consumers/${i}/config`, c.config, 'max.partition.fetch.bytes']),
  ];
  const sizeIssues = limits
    .filter(([, config, key]) => key in config)
    .map(([path, , key]) => ({ path: `${path}/${key}`, message: `is set from capture.maxEventBytes (${carried.broker['message.max.bytes']}): set that instead`, rule }));
  const connectorIssues = Object.entries(CONNECTOR_KEYS_FROM_CAPTURE)
    .filter(([key]) => key in connect.connector.config)
    .map(([key, setting]) => ({ path: `/connect/connector/config/${key}`, message: `is set from ${setting}: set that instead`, rule }));
  return [...sizeIssues, ...connectorIssues];
}

/** The Kafka version must be one the operator can run, and the metadata version one that version knows. */
function versionIssues({ kafka }: EnvironmentConfig): ConfigIssue[] {
  const newestMetadata = STRIMZI_KAFKA_VERSIONS[kafka.version];
  if (!newestMetadata) {
    return [
      {
        path: '/kafka/version',
        message: `must be one of ${Object.keys(STRIMZI_KAFKA_VERSIONS).join(', ')}, got ${kafka.version}`,
        rule: `the Kafka versions Strimzi ${STRIMZI_VERSION} supports`,
      },
    ];
  }
  if (compareMetadataVersions(kafka.metadataVersion, newestMetadata) > 0) {
    return [
      {
        path: '/kafka/metadataVersion',
        message: `must not be newer than ${newestMetadata}, got ${kafka.metadataVersion}`,
        rule: `Kafka ${kafka.version} cannot run a newer KRaft metadata version`,
      },
    ];
  }
  return [];
}

/** `4.3-IV0` against `4.2-IV1`: by release, then by increment. */
function compareMetadataVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.-]IV|[.]/).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}

/** A Debezium release that silently loses committed changes (src/model/debezium-known-bugs.json) is refused. */
function knownDataLossIssues({ connect }: EnvironmentConfig): ConfigIssue[] {
  const bugs = dataLossBugsIn(connect.debeziumVersion);
  if (bugs.length === 0) return [];
  const fixed = bugs
    .map((b) => b.fixedIn)
    .sort(compareDebeziumVersions)
    .pop();
  return [
    {
      path: '/connect/debeziumVersion',
      message: `${connect.debeziumVersion} loses committed changes on restart (${bugs.map((b) => b.id).join(', ')}): use ${fixed} or later`,
      rule: 'no Debezium release with a known silent data-loss bug',
    },
  ];
}

/** Every build of the plugin (Strimzi's, or the rendered Dockerfile) checks the archive against a sha512. */
function pluginPinIssues({ connect }: EnvironmentConfig): ConfigIssue[] {
  if (pluginSha512For(connect.debeziumVersion, connect.pluginSha512)) return [];
  return [
    {
      path: '/connect/pluginSha512',
      message: `is required for Debezium ${connect.debeziumVersion} (cdc8s pins ${Object.keys(DEBEZIUM_PLUGIN_SHA512).join(', ')})`,
      rule: 'the plugin archive is checked against a pinned sha512 before it is built into the image',
    },
  ];
}

/** Overrides that make acknowledged writes impossible: more in-sync replicas than copies, more copies than brokers. */
function replicationIssues({ kafka }: EnvironmentConfig): ConfigIssue[] {
  const defaults = durabilityFor(kafka.durability, kafka.brokers.replicas);
  const replicationFactor = Number(kafka.config['default.replication.factor'] ?? defaults.replicationFactor);
  const minInSync = Number(kafka.config['min.insync.replicas'] ?? defaults.minInSyncReplicas);
  if (replicationFactor > kafka.brokers.replicas) {
    return [
      {
        path: '/kafka/config/default.replication.factor',
        message: `must not exceed kafka.brokers.replicas (${kafka.brokers.replicas}), got ${replicationFactor}`,
        rule: 'a topic cannot have more copies than there are brokers',
      },
    ];
  }
  if (minInSync > replicationFactor) {
    return [
      {
        path: '/kafka/config/min.insync.replicas',
        message: `must not exceed the replication factor (${replicationFactor}), got ${minInSync}`,
        rule: 'with more in-sync replicas required than copies exist, no acks=all write can succeed',
      },
    ];
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
  return sections.flatMap(([path, config]) =>
    Object.entries(config)
      .filter(([key, value]) => isLiteralCredential(key, value))
      .map(([key]) => ({ path: `${path}/${key}`, message: 'holds a literal credential', rule: CREDENTIAL_RULE })),
  );
}

function durabilityIssues({ kafka }: EnvironmentConfig): ConfigIssue[] {
  const brokers = kafka.brokers.replicas;
  if (kafka.durability === 'full' && brokers < 3) {
    return [
      {
        path: '/kafka/brokers/replicas',
        message: `must be >= 3, got ${brokers}`,
        rule: 'replication factor 3 with min.insync.replicas 2 needs three brokers; set kafka.durability: reduced to accept losing writes with a broker',
      },
    ];
  }
  if (kafka.durability === 'reduced' && brokers >= 3) {
    return [
      { path: '/kafka/durability', message: `must be full with ${brokers} brokers`, rule: 'reduced durability only applies below three brokers and would be silently ignored' },
    ];
  }
  return [];
}

function quorumIssues({ kafka }: EnvironmentConfig): ConfigIssue[] {
  const { controllers, brokers, durability } = kafka;
  if (controllers.mode === 'dual-role' && !QUORUM_SIZES.includes(brokers.replicas)) {
    return [
      {
        path: '/kafka/brokers/replicas',
        message: `must be 1, 3 or 5 while controllers.mode is dual-role, got ${brokers.replicas}`,
        rule: 'dual-role brokers are the KRaft quorum, which needs an odd size; use controllers.mode: dedicated for other broker counts',
      },
    ];
  }
  if (controllers.mode === 'dedicated' && durability === 'full' && controllers.replicas < 3) {
    return [
      {
        path: '/kafka/controllers/replicas',
        message: `must be >= 3 with full durability, got ${controllers.replicas}`,
        rule: 'a quorum of one stops the cluster when its node does',
      },
    ];
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
