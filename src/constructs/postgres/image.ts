import { Construct } from 'constructs';
import { withConfigDefaults, WithDefaults } from '../../model/config-defaults';
import { ImageRef } from '../../model/config';
import { imageReference } from '../k8s/image';
import { imageContextDir } from '../../model/paths';
import { contextDigest, ImageBuildContext } from '../k8s/image-context';
import { DEBIAN_SUITE, PGBACKREST_VERSION, POSTGRES_EXPORTER_VERSION, POSTGRES_MAJOR, POSTGRES_VERSION, packagesFile } from '../../model/postgres-versions';
import { shippedFile } from '../k8s/shipped-files';

/** Logical decoding output plugins the image deletes (file names in the server's lib directory). */
export const REMOVED_OUTPUT_PLUGINS = ['test_decoding.so'];

/** Where the workload mounts each credential Secret; the init script reads passwords from here. */
export const POSTGRES_SECRET_MOUNTS = {
  superuser: '/etc/cdc8s/secrets/superuser',
  app: '/etc/cdc8s/secrets/app',
  debezium: '/etc/cdc8s/secrets/debezium',
} as const;

/** UID and GID of the `postgres` user the image creates (and the pod runs as). */
export const POSTGRES_UID = 999;
/** Where the image's build puts its entrypoint. */
export const POSTGRES_ENTRYPOINT = '/usr/local/lib/cdc8s/entrypoint.sh';
/** The image's PATH: PostgreSQL's own binaries first (Debian keeps them out of /usr/bin). */
export const POSTGRES_IMAGE_PATH = `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
export const POSTGRES_PORT = 5432;
export const POSTGRES_CONFIG_FILE = '/etc/postgresql/postgresql.conf';
/** The data directory: a subdirectory of the volume (its root may hold lost+found, and initdb wants an empty directory). */
export const POSTGRES_DATA_DIR = '/var/lib/postgresql/data/pgdata';
/** Where the server puts its Unix socket (probes and maintenance connect there). */
export const POSTGRES_SOCKET_DIR = '/var/run/postgresql';

export interface PostgresDebeziumImageProps {
  /** Environment the image is rendered for (named in the generated files). */
  readonly environment: string;
  /** The pinned Debian image (of DEBIAN_SUITE) to build FROM. */
  readonly baseImage: ImageRef;
  /** Registry and repository the built image is pushed to. */
  readonly registry: string;
  readonly repository: string;
  /** Application database (pg_hba admits the login roles to it alone). */
  readonly database: string;
  /** Role that owns the database and the captured schemas. */
  readonly appUser: string;
  /** Replication role Debezium logs in as. */
  readonly debeziumUser: string;
  /**
   * postgresql.conf `max_wal_senders`.
   * @default 10 (config schema: postgres.replication.maxWalSenders)
   */
  readonly maxWalSenders?: number;
  /**
   * postgresql.conf `max_replication_slots`.
   * @default 10 (config schema: postgres.replication.maxReplicationSlots)
   */
  readonly maxReplicationSlots?: number;
  /**
   * postgresql.conf `max_slot_wal_keep_size`, e.g. `10GB`.
   * @default '10GB' (config schema: postgres.replication.maxSlotWalKeepSize)
   */
  readonly maxSlotWalKeepSize?: string;
  /** Source ranges pg_hba accepts password logins from. */
  readonly clientCidrs: readonly string[];
  /**
   * postgresql.conf `archive_timeout`, seconds.
   * @default 300 (config schema: postgres.backup.archiveTimeoutSeconds)
   */
  readonly archiveTimeoutSeconds?: number;
}

/** Where each setting a caller may leave out takes its default (the `@default`s above). */
export const IMAGE_DEFAULTS = {
  maxWalSenders: 'postgres.replication.maxWalSenders',
  maxReplicationSlots: 'postgres.replication.maxReplicationSlots',
  maxSlotWalKeepSize: 'postgres.replication.maxSlotWalKeepSize',
  archiveTimeoutSeconds: 'postgres.backup.archiveTimeoutSeconds',
} as const;

/**
 * A Debezium-ready PostgreSQL image as a deterministic Docker build context: Debian's PostgreSQL and
 * pgBackRest at pinned versions (POSTGRES_PACKAGES) on a pinned Debian base, logical decoding on,
 * pgoutput the only output plugin, the server's configuration, and an entrypoint whose first start
 * runs the mounted reconcile. The tag is the PostgreSQL version and a digest of these files only:
 * what the reconcile handles (tables, grants, the publication) is not in the image, so changing it
 * neither builds an image nor restarts the server.
 * The construct renders no Kubernetes object; writers find it and write `files`.
 */
export class PostgresDebeziumImage extends ImageBuildContext {
  /** Build context, path → content, in a stable order. */
  readonly files: ReadonlyMap<string, string>;
  /** Where the build context is written, relative to the output root. */
  readonly contextDir: string;
  /** `registry/repository:<base tag>-<context digest>` */
  readonly imageRef: string;
  readonly tag: string;

  private readonly props: WithDefaults<PostgresDebeziumImageProps, keyof typeof IMAGE_DEFAULTS>;

  constructor(scope: Construct, id: string, props: PostgresDebeziumImageProps) {
    super(scope, id);
    this.props = withConfigDefaults(props, IMAGE_DEFAULTS);
    this.files = new Map([
      ['Dockerfile', `${this.header()}\nARG BASE_IMAGE=${imageReference(props.baseImage)}\n${shippedFile('constructs/postgres/files/Dockerfile')}`],
      ['packages', packagesFile()],
      ['install.sh', shippedFile('constructs/postgres/files/install.sh')],
      ['entrypoint.sh', shippedFile('constructs/postgres/files/entrypoint.sh')],
      ['postgresql.conf', shippedFile('constructs/postgres/files/postgresql.conf')],
      ['environment.conf', this.environmentConf()],
      ['pg_hba.conf', shippedFile('constructs/postgres/files/pg_hba.conf')],
      ['pg_hba.clients.conf', this.hbaClients()],
      ['pg_ident.conf', shippedFile('constructs/postgres/files/pg_ident.conf')],
    ]);
    this.tag = `${POSTGRES_VERSION}-${contextDigest(this.files).slice(0, 12)}`;
    this.imageRef = `${props.registry}/${props.repository}:${this.tag}`;
    this.contextDir = imageContextDir(props.repository, props.environment);
  }

  /** The first lines of each file rendered per environment: where it comes from, and the versions the image installs. */
  private header(): string {
    const { environment } = this.props;
    return [
      `# Rendered by cdc8s for environment ${environment}: change environments/${environment}.yaml, not this file.`,
      `# PostgreSQL ${POSTGRES_VERSION}, pgBackRest ${PGBACKREST_VERSION} and postgres_exporter ${POSTGRES_EXPORTER_VERSION} from Debian ${DEBIAN_SUITE} (packages).`,
    ].join('\n');
  }

  /** What the environment sets in postgresql.conf (included at its end). */
  private environmentConf(): string {
    const p = this.props;
    return postgresSettings(this.header(), {
      max_wal_senders: p.maxWalSenders,
      max_replication_slots: p.maxReplicationSlots,
      max_slot_wal_keep_size: p.maxSlotWalKeepSize,
      archive_timeout: p.archiveTimeoutSeconds,
    });
  }

  /** pg_hba rows (included by pg_hba.conf): the application and Debezium, over TLS with SCRAM, from each client range, to the database only. */
  private hbaClients(): string {
    const p = this.props;
    const rows = p.clientCidrs.flatMap((cidr) => [p.appUser, p.debeziumUser].map((user) => `hostssl ${p.database}  ${user}  ${cidr}  scram-sha-256`));
    return [this.header(), ...rows, ''].join('\n');
  }
}

/** postgresql.conf lines `name = value`: numbers as they are, strings quoted. */
export function postgresSettings(header: string, settings: Readonly<Record<string, string | number>>): string {
  const value = (v: string | number) => (typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`);
  return [header, ...Object.entries(settings).map(([name, v]) => `${name} = ${value(v)}`), ''].join('\n');
}
