import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { workloadLabels } from '../constructs/k8s/labels';
import { Postgres } from '../constructs/postgres/postgres';
import { PostgresDebeziumImage } from '../constructs/postgres/image';
import { RequiredSecret } from '../constructs/k8s/required-secret';
import { maxRowJsonBytes } from '../model/event-size';
import { ChartContext } from './context';
import { POSTGRES_NAME } from './network-peers';
import { requireSecret, SECRET_NAMES } from './secrets';

/** The backup repository's claim, where the platform keeps backups on a volume (minikube). */
const BACKUP_CLAIM = 'postgres-backup';

/** The data plane: credentials, storage, the Debezium-ready image and the database itself. */
export class PostgresChart extends Chart {
  readonly database: Postgres;
  readonly image: PostgresDebeziumImage;
  /** The Debezium role's password Secret (Connect reads it through its config provider). */
  readonly debeziumSecret: RequiredSecret;

  constructor(scope: Construct, id: string, { env, platform, peers }: ChartContext) {
    super(scope, id);
    const { config } = env;
    const { postgres, capture, namespaces } = config;
    const namespace = namespaces.data;

    const secrets = {
      superuser: requireSecret(this, 'SuperuserSecret', platform, {
        name: SECRET_NAMES.postgresSuperuser,
        namespace,
        purpose: 'PostgreSQL superuser (postgres) password; only the database pod reads it',
      }),
      app: requireSecret(this, 'AppSecret', platform, {
        name: SECRET_NAMES.postgresApp,
        namespace,
        purpose: `password of ${postgres.users.app}; the reconcile sets it on the role whenever it changes`,
      }),
      debezium: requireSecret(this, 'DebeziumSecret', platform, {
        name: SECRET_NAMES.postgresDebezium,
        namespace,
        purpose: `password of ${postgres.users.debezium}; the reconcile sets it on the role whenever it changes`,
      }),
    };

    this.debeziumSecret = secrets.debezium;

    this.image = new PostgresDebeziumImage(this, 'Image', {
      environment: env.name,
      baseImage: postgres.baseImage,
      registry: config.images.registry,
      repository: postgres.imageRepository,
      database: postgres.database,
      appUser: postgres.users.app,
      debeziumUser: postgres.users.debezium,
      maxWalSenders: postgres.replication.maxWalSenders,
      maxReplicationSlots: postgres.replication.maxReplicationSlots,
      maxSlotWalKeepSize: postgres.replication.maxSlotWalKeepSize,
      clientCidrs: postgres.clientCidrs,
      archiveTimeoutSeconds: postgres.backup.archiveTimeoutSeconds,
    });

    const claimName = 'postgres-data';
    const repository = platform.backupRepository(env.name);
    const storage = platform.claimStorage(this, {
      claimName,
      namespace,
      size: postgres.storage.size,
      labels: workloadLabels({ name: POSTGRES_NAME, component: 'database', instance: env.name }),
    });

    this.database = new Postgres(this, 'Postgres', {
      name: POSTGRES_NAME,
      namespace,
      instance: env.name,
      image: this.image,
      database: postgres.database,
      roles: postgres.users,
      appSessionLimits: postgres.appSessionLimits,
      capture: {
        tables: capture.tables,
        publication: capture.publication,
        signalTable: capture.signalTable,
        guards: {
          replicaIdentityFull: capture.replicaIdentity === 'full',
          refuseTruncate: capture.truncate === 'refuse',
          maxRowJsonBytes: maxRowJsonBytes(capture.maxEventBytes),
        },
      },
      reconcileResources: postgres.reconcile.resources,
      backup: {
        repository,
        claim: repository.claim ? { claimName: BACKUP_CLAIM, ...repository.claim } : undefined,
        retentionFull: postgres.backup.retentionFull,
        fullEveryHours: postgres.backup.fullEveryHours,
        archiveTimeoutSeconds: postgres.backup.archiveTimeoutSeconds,
        resources: postgres.backup.resources,
        serviceAccountAnnotations: platform.serviceAccountAnnotations('backup'),
        egress: platform.identityEgress('backup'),
      },
      claimName,
      storageClassName: storage.storageClassName,
      volumeName: storage.volumeName,
      storageSize: postgres.storage.size,
      resources: postgres.resources,
      secrets,
      // The API reads and writes; Connect streams the WAL over a replication connection.
      clients: [peers.api, peers.connect],
      dns: peers.dns,
      ...(peers.monitoring ? { exporter: { resources: env.config.observability.postgresExporter.resources, scrapedFrom: peers.monitoring } } : {}),
    });
  }
}
