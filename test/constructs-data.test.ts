import { Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { DebeziumPostgresConnector, KafkaCluster, KafkaConnect, KafkaUser, Postgres, PostgresDebeziumImage, PostgresTrust, RequiredSecret } from '../src';
import { configDefault } from '../src/model/config-defaults';
import { chartWith, clusterProps, dns, operator, resources } from './construct-fixtures';

/**
 * The database, Connect and the Debezium connector, each alone in a cdk8s Testing chart with the
 * props a caller must give and nothing else: what they render, and that what they leave out takes
 * the config schema's defaults.
 */
const tables = [{ schema: 'sales', table: 'orders' }];

function secret(chart: Chart, name: string): RequiredSecret {
  return new RequiredSecret(chart, name, { name, namespace: 'data', keys: ['password'], purpose: 'a test login' });
}

function database(chart: Chart): { postgres: Postgres; image: PostgresDebeziumImage } {
  const image = new PostgresDebeziumImage(chart, 'Image', {
    environment: 'test',
    baseImage: { registry: 'docker.io', repository: 'library/debian', tag: 'trixie-20260918-slim' },
    registry: 'registry.example',
    repository: 'postgres-debezium',
    database: 'sales',
    appUser: 'sales_app',
    debeziumUser: 'cdc',
    clientCidrs: ['10.1.0.0/16'],
  });
  const postgres = new Postgres(chart, 'Postgres', {
    name: 'db',
    namespace: 'data',
    instance: 'test',
    image,
    database: 'sales',
    roles: { app: 'sales_app', debezium: 'cdc' },
    appSessionLimits: { idleInTransactionSeconds: 60, statementSeconds: 30 },
    capture: {
      tables,
      publication: 'sales_pub',
      signalTable: { schema: 'cdc8s', table: 'signals' },
      guards: { replicaIdentityFull: true, refuseTruncate: true, maxRowJsonBytes: 4_000_000 },
    },
    reconcileResources: resources,
    backup: {
      repository: { options: { type: 's3', path: '/test', 's3-bucket': 'backups', 's3-region': 'eu-west-1', 's3-key-type': 'web-id' } },
      retentionFull: 2,
      fullEveryHours: 12,
      archiveTimeoutSeconds: 120,
      resources,
      serviceAccountAnnotations: {},
      egress: [{ ports: [443] }],
    },
    claimName: 'db-data',
    storageClassName: 'standard',
    storageSize: '10Gi',
    resources,
    secrets: { superuser: secret(chart, 'db-superuser'), app: secret(chart, 'db-app'), debezium: secret(chart, 'db-debezium') },
    clients: [{ namespace: 'streaming', podLabels: { app: 'connect' } }],
    dns,
  });
  return { postgres, image };
}

function connect(chart: Chart): KafkaConnect {
  const cluster = new KafkaCluster(chart, 'Kafka', clusterProps);
  const user = new KafkaUser(chart, 'ConnectUser', { cluster, name: 'connect', acls: [], component: 'connect' });
  return new KafkaConnect(chart, 'Connect', {
    namespace: 'streaming',
    cluster,
    user,
    version: '4.3.1',
    resources,
    image: { type: 'prebuilt', image: 'registry.example/connect:1' },
    operator,
    config: { 'config.storage.replication.factor': 3 },
    egress: [{ ports: [5432] }],
    dns,
    databaseTrust: new PostgresTrust(chart, 'Trust', { environment: 'test', namespace: 'streaming', role: 'cdc', labels: {} }).volume('postgres-tls'),
  });
}

const synth = (make: (chart: Chart) => void) => chartWith(make).objects();

describe('PostgresDebeziumImage alone', () => {
  it("takes the replication bounds and archive_timeout it is not given from the config schema's defaults", () => {
    let image!: PostgresDebeziumImage;
    synth((chart) => (image = database(chart).image));
    expect(image.files.get('environment.conf')?.split('\n').slice(2)).toEqual([
      `max_wal_senders = ${configDefault('postgres.replication.maxWalSenders')}`,
      `max_replication_slots = ${configDefault('postgres.replication.maxReplicationSlots')}`,
      `max_slot_wal_keep_size = '${configDefault('postgres.replication.maxSlotWalKeepSize')}'`,
      `archive_timeout = ${configDefault('postgres.backup.archiveTimeoutSeconds')}`,
      '',
    ]);
    expect(image.files.get('pg_hba.clients.conf')).toContain('hostssl sales  cdc  10.1.0.0/16  scram-sha-256');
  });
});

describe('Postgres alone', () => {
  const objects = synth(database);
  const statefulSet = objects.find((o) => o.kind === 'StatefulSet');
  const pod = statefulSet?.spec.template.spec;

  it('one pod, never two: a StatefulSet of one with the server, its reconcile and its backup sidecar', () => {
    expect(statefulSet?.spec.replicas).toBe(1);
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(['postgres', 'reconcile', 'backup']);
    expect(objects.find((o) => o.kind === 'Service')?.metadata).toMatchObject({ name: 'db', namespace: 'data' });
  });

  it('the server and the sidecar run pgBackRest against the same repository, with the retention given', () => {
    const repository = (name: string) => pod.containers.find((c: { name: string }) => c.name === name).env.filter((e: { name: string }) => e.name.startsWith('PGBACKREST_REPO1_'));
    expect(repository('postgres')).toEqual(repository('backup'));
    expect(repository('postgres')).toContainEqual({ name: 'PGBACKREST_REPO1_RETENTION_FULL', value: '2' });
    expect(repository('postgres')).toContainEqual({ name: 'PGBACKREST_REPO1_S3_BUCKET', value: 'backups' });
  });

  it('the reconcile keeps the tables given, and only the clients given may connect', () => {
    const target = JSON.parse(objects.find((o) => o.kind === 'ConfigMap' && o.data?.['target.json'])?.data['target.json']);
    expect(target).toMatchObject({ database: 'sales', appUser: 'sales_app', debeziumUser: 'cdc', tables, publication: 'sales_pub' });
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'db');
    const from = policy?.spec.ingress.flatMap((rule: { from: unknown[] }) => rule.from);
    expect(from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'streaming' } }, podSelector: { matchLabels: { app: 'connect' } } }]);
  });
});

describe('KafkaConnect alone', () => {
  const objects = synth(connect);
  const resource = objects.find((o) => o.kind === 'KafkaConnect');

  it("takes its name and worker count from the config schema's defaults when not given, and runs the image given", () => {
    expect(resource?.metadata.name).toBe(configDefault('connect.name'));
    expect(resource?.spec.replicas).toBe(configDefault('connect.replicas'));
    expect(resource?.spec.image).toBe('registry.example/connect:1');
    expect(resource?.spec.build).toBeUndefined();
  });

  it('authenticates as its KafkaUser with SCRAM over TLS, trusting the cluster CA', () => {
    expect(resource?.spec.authentication).toMatchObject({ type: 'scram-sha-512', username: 'connect' });
    expect(resource?.spec.bootstrapServers).toBe(`${configDefault('kafka.name')}-kafka-bootstrap.streaming.svc:9093`);
  });
});

describe('DebeziumPostgresConnector alone', () => {
  const build = (extra: { tables?: typeof tables } = {}) =>
    synth((chart) => {
      const { postgres } = database(chart);
      new DebeziumPostgresConnector(chart, 'Connector', {
        connect: connect(chart),
        postgres,
        passwordSecret: secret(chart, 'cdc-password'),
        tables: extra.tables ?? tables,
        replicationFactor: 3,
        minInSyncReplicas: 2,
        overrides: {},
      });
    });

  it("reads the database's publication over TLS, and takes every setting it is not given from the config schema's defaults", () => {
    const connector = build().find((o) => o.kind === 'KafkaConnector');
    expect(connector?.metadata.name).toBe(configDefault('connect.connector.name'));
    expect(connector?.spec.state).toBe(configDefault('connect.connector.state'));
    expect(connector?.spec.config).toMatchObject({
      'database.hostname': 'db.data.svc.cluster.local',
      'database.sslmode': 'verify-full',
      'publication.name': 'sales_pub',
      'table.include.list': 'sales\\.orders',
      'slot.name': configDefault('capture.slot'),
      'topic.prefix': configDefault('capture.topicPrefix'),
      'snapshot.mode': configDefault('capture.snapshotMode'),
      'heartbeat.interval.ms': configDefault('capture.heartbeatIntervalMs'),
      'decimal.handling.mode': configDefault('capture.decimalHandling'),
      'provide.transaction.metadata': configDefault('capture.transactionMetadata'),
      'topic.creation.default.partitions': configDefault('capture.partitions'),
      'exactly.once.support': 'required',
    });
  });

  it('refuses a table the database does not publish, naming it', () => {
    expect(() => build({ tables: [{ schema: 'sales', table: 'refunds' }] })).toThrow('table sales.refunds is not kept in publication sales_pub');
  });
});
