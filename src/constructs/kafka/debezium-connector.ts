import { Construct } from 'constructs';
import { escapeRegex } from '../../model/regex';
import { withConfigDefaults } from '../../model/config-defaults';
import { KafkaConnector, KafkaConnectorSpecState } from '../../../imports/kafka.strimzi.io';
import { CapturedTable, KafkaConfigMap } from '../../model/config';
import { KafkaConnect } from './connect';
import { commonLabels } from '../k8s/labels';
import { Postgres } from '../postgres/postgres';
import { RequiredSecret } from '../k8s/required-secret';
import { STRIMZI_CLUSTER_LABEL } from '../../model/strimzi';
import { applyCallerMetadata, CallerMetadata } from '../k8s/caller-metadata';

/** The prefix of the logical messages heartbeats write (excluded from events). */
const HEARTBEAT_MESSAGE_PREFIX = 'cdc8s-heartbeat';

/** Debezium poll.interval.ms: 50 took the durable p50 at 200 rows/s from about 700 to about 200 ms (docs/development.md, "What the stages say"). */
export const DEBEZIUM_POLL_INTERVAL_MS = 50;

/** Debezium's class for the Postgres connector. */
export const POSTGRES_CONNECTOR_CLASS = 'io.debezium.connector.postgresql.PostgresConnector';

export interface DebeziumPostgresConnectorProps {
  /** Labels and annotations added to every object it renders (its own win). */
  readonly metadata?: CallerMetadata;
  /**
   * Name of the KafkaConnector (and of the connector in Connect).
   * @default 'postgres-cdc' (config schema: connect.connector.name)
   */
  readonly name?: string;
  /** The Connect cluster that runs it (same namespace). */
  readonly connect: KafkaConnect;
  /** The database: host, port, database, role and publication come from its handles. */
  readonly postgres: Postgres;
  /** The replication role's password Secret, read through Strimzi's `strimzisecrets` config provider. */
  readonly passwordSecret: RequiredSecret;
  /** Captured tables; each must be one the database's reconcile publishes. */
  readonly tables: readonly CapturedTable[];
  /**
   * Logical replication slot the connector creates and owns.
   * @default 'cdc8s_slot' (config schema: capture.slot)
   */
  readonly slot?: string;
  /**
   * Debezium topic.prefix; topics are `<prefix>.<schema>.<table>`.
   * @default 'cdc' (config schema: capture.topicPrefix)
   */
  readonly topicPrefix?: string;
  /**
   * Debezium snapshot.mode, e.g. `initial`.
   * @default 'initial' (config schema: capture.snapshotMode)
   */
  readonly snapshotMode?: string;
  /**
   * Debezium heartbeat.interval.ms: lets the slot advance while captured tables are quiet.
   * @default 10000 (config schema: capture.heartbeatIntervalMs)
   */
  readonly heartbeatIntervalMs?: number;
  /** Replication of any topic Connect creates (all are pre-created as KafkaTopics; this is the safety net). */
  readonly replicationFactor: number;
  /** min.insync.replicas of any topic Connect creates. */
  readonly minInSyncReplicas: number;
  /**
   * Partitions of any topic Connect creates.
   * @default 6 (config schema: capture.partitions)
   */
  readonly partitions?: number;
  /**
   * cleanup.policy of the CDC topics (and of any topic Connect creates).
   * @default 'compact' (config schema: capture.cleanupPolicy)
   */
  readonly cleanupPolicy?: string;
  /**
   * max.message.bytes of any topic Connect creates (capture.maxEventBytes).
   * @default 8388608 (config schema: capture.maxEventBytes)
   */
  readonly maxEventBytes?: number;
  /**
   * Debezium provide.transaction.metadata: BEGIN and END records on transactionTopicName(topicPrefix).
   * @default false (config schema: capture.transactionMetadata)
   */
  readonly transactionMetadata?: boolean;
  /**
   * Debezium decimal.handling.mode: how NUMERIC values reach consumers.
   * @default 'string' (config schema: capture.decimalHandling)
   */
  readonly decimalHandling?: 'string' | 'double';
  /**
   * KafkaConnector spec.state.
   * @default 'running' (config schema: connect.connector.state)
   */
  readonly state?: 'running' | 'paused' | 'stopped';
  /** Overrides, merged last (the durability policy checks the result). */
  readonly overrides: KafkaConfigMap;
}

/** Where each setting a caller may leave out takes its default (the `@default`s above). */
export const CONNECTOR_DEFAULTS = {
  name: 'connect.connector.name',
  slot: 'capture.slot',
  topicPrefix: 'capture.topicPrefix',
  snapshotMode: 'capture.snapshotMode',
  heartbeatIntervalMs: 'capture.heartbeatIntervalMs',
  partitions: 'capture.partitions',
  cleanupPolicy: 'capture.cleanupPolicy',
  maxEventBytes: 'capture.maxEventBytes',
  transactionMetadata: 'capture.transactionMetadata',
  decimalHandling: 'capture.decimalHandling',
  state: 'connect.connector.state',
} as const;

/**
 * The Debezium Postgres source connector as a KafkaConnector. It reads the publication the
 * database's reconcile keeps (autocreate disabled, so the replication role needs no
 * table ownership) through pgoutput, and runs with exactly-once support required.
 */
export class DebeziumPostgresConnector extends Construct {
  /** The config as emitted (before Strimzi), for tests and the policy. */
  readonly config: Readonly<Record<string, string | number | boolean>>;

  constructor(scope: Construct, id: string, given: DebeziumPostgresConnectorProps) {
    super(scope, id);
    const props = withConfigDefaults(given, CONNECTOR_DEFAULTS);
    const { connection, roles, logicalReplication } = props.postgres;
    const published = new Set(logicalReplication.tables.map((t) => `${t.schema}.${t.table}`));
    for (const table of props.tables) {
      if (!published.has(`${table.schema}.${table.table}`)) {
        throw new Error(`connector ${props.name}: table ${table.schema}.${table.table} is not kept in publication ${logicalReplication.publication}`);
      }
    }
    const signal = logicalReplication.signalTable;
    this.config = {
      'database.hostname': connection.host,
      'database.port': connection.port,
      'database.dbname': connection.database,
      'database.user': roles.debezium,
      'database.password': strimziSecretReference(props.passwordSecret, 'password'),
      // TLS, and the server must prove it is the Service named above (cert-manager's certificate).
      'database.sslmode': 'verify-full',
      'database.sslrootcert': props.connect.databaseCaFile,
      'plugin.name': 'pgoutput',
      'publication.name': logicalReplication.publication,
      'publication.autocreate.mode': 'disabled',
      'slot.name': props.slot,
      'topic.prefix': props.topicPrefix,
      'table.include.list': includeList(props.tables),
      'snapshot.mode': props.snapshotMode,
      // Ad hoc incremental snapshots (a table added later): a row inserted here is the signal. The
      // reconcile creates and publishes the table; Debezium also writes its snapshot windows to it.
      'signal.data.collection': `${signal.schema}.${signal.table}`,
      // Debezium emits the signal table's rows (signals, snapshot windows) like any captured table's;
      // they are its own bookkeeping, not data: dropped before Kafka (Kafka's Filter transform), so
      // no topic or ACL exists for them.
      transforms: 'dropSignals',
      'transforms.dropSignals.type': 'org.apache.kafka.connect.transforms.Filter',
      'transforms.dropSignals.predicate': 'isSignal',
      predicates: 'isSignal',
      'predicates.isSignal.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
      'predicates.isSignal.pattern': escapeRegex(cdcTopicName(props.topicPrefix, signal)),
      // How long Debezium's queue waits for a full batch before Connect polls what it has (default
      // 500 ms): the largest share of commit-to-consumer latency at moderate rates (docs/development.md, "What the stages say").
      'poll.interval.ms': DEBEZIUM_POLL_INTERVAL_MS,
      'heartbeat.interval.ms': props.heartbeatIntervalMs,
      // The publication holds only the captured tables, and PostgreSQL 15+ skips empty transactions:
      // while only other tables change, the stream carries nothing, the slot's confirmed position
      // stays put and the WAL piles up. Each heartbeat writes a non-transactional logical message,
      // which the stream does carry (Debezium asks pgoutput for messages on PostgreSQL 14+); it
      // moves the position and is not emitted as an event.
      'heartbeat.action.query': `SELECT pg_logical_emit_message(false, '${HEARTBEAT_MESSAGE_PREFIX}', now()::varchar)`,
      'message.prefix.exclude.list': HEARTBEAT_MESSAGE_PREFIX,
      'topic.creation.default.replication.factor': props.replicationFactor,
      'topic.creation.default.partitions': props.partitions,
      'topic.creation.default.min.insync.replicas': props.minInSyncReplicas,
      'topic.creation.default.cleanup.policy': props.cleanupPolicy,
      'topic.creation.default.max.message.bytes': props.maxEventBytes,
      // Exact decimals as strings; NaN and ±Infinity as "NAN", "POSITIVE_INFINITY", "NEGATIVE_INFINITY" (precise mode
      // emits base64 that JSON consumers cannot read, and fails the task on a NaN in a NOT NULL column).
      'decimal.handling.mode': props.decimalHandling,
      // TRUNCATE: the reconcile's trigger refuses it on captured tables (capture.truncate: refuse); if
      // one happens anyway (capture.truncate: skip), it is skipped: its keyless record would be
      // refused by the compacted topics and stop the task.
      'skipped.operations': 't',
      'provide.transaction.metadata': props.transactionMetadata,
      // A delete is an event plus a tombstone: compaction then removes the deleted row's key.
      'tombstones.on.delete': true,
      // Fail to start rather than silently fall back to at-least-once.
      'exactly.once.support': 'required',
      ...props.overrides,
    };

    new KafkaConnector(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.connect.namespace,
        labels: { ...commonLabels(), 'app.kubernetes.io/component': 'cdc-connector', [STRIMZI_CLUSTER_LABEL]: props.connect.name },
      },
      spec: {
        class: POSTGRES_CONNECTOR_CLASS,
        // One replication slot, one reader: the Postgres connector always runs a single task.
        tasksMax: 1,
        state: props.state as KafkaConnectorSpecState,
        // Strimzi restarts a failed connector or task with growing back-off.
        autoRestart: { enabled: true },
        config: this.config,
      },
    });
    applyCallerMetadata(this, props.metadata);
  }
}

/** Topic Debezium writes a table's changes to. */
export function cdcTopicName(prefix: string, table: CapturedTable): string {
  return `${prefix}.${table.schema}.${table.table}`;
}

/** Debezium's transaction metadata topic (topic.transaction defaults to `transaction`). */
export function transactionTopicName(prefix: string): string {
  return `${prefix}.transaction`;
}

/** Debezium's heartbeat topic (topic.heartbeat.prefix defaults to `__debezium-heartbeat`). */
export function heartbeatTopicName(prefix: string): string {
  return `__debezium-heartbeat.${prefix}`;
}

/** table.include.list: anchored regular expressions over `schema.table`, the dot escaped. */
function includeList(tables: readonly CapturedTable[]): string {
  return tables.map((t) => `${t.schema}\\.${t.table}`).join(',');
}

/** The tables a table.include.list as rendered by includeList names, as `schema.table`. */
export function includedTables(list: string): string[] {
  return list === '' ? [] : list.split(',').map((t) => t.replace('\\.', '.'));
}

/** `${strimzisecrets:<namespace>/<secret>:<key>}`: resolved by the Connect worker, never stored in the config. */
export function strimziSecretReference(secret: RequiredSecret, key: string): string {
  secret.assertKey(key);
  return `\${strimzisecrets:${secret.namespace}/${secret.secretName}:${key}}`;
}
