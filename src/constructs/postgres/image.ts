import { Construct } from 'constructs';
import { ImageRef } from '../../model/config';
import { imageReference } from '../k8s/image';
import { imageContextDir } from '../../model/paths';
import { contextDigest, ImageBuildContext } from '../k8s/image-context';
import { POSTGRES_TLS_DIR } from './tls';
import { walArchivingSettings } from './backup';
import { DEBIAN_SUITE, PGBACKREST_VERSION, POSTGRES_MAJOR, POSTGRES_VERSION, packagesFile } from '../../model/postgres-versions';
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
  /** postgresql.conf `max_wal_senders`. */
  readonly maxWalSenders: number;
  /** postgresql.conf `max_replication_slots`. */
  readonly maxReplicationSlots: number;
  /** postgresql.conf `max_slot_wal_keep_size`, e.g. `10GB`. */
  readonly maxSlotWalKeepSize: string;
  /** Source ranges pg_hba accepts password logins from. */
  readonly clientCidrs: readonly string[];
  /** postgresql.conf `archive_timeout`, seconds. */
  readonly archiveTimeoutSeconds: number;
}

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

  constructor(
    scope: Construct,
    id: string,
    private readonly props: PostgresDebeziumImageProps,
  ) {
    super(scope, id);
    this.files = new Map([
      ['Dockerfile', this.dockerfile()],
      ['packages', packagesFile()],
      ['install.sh', shippedFile('constructs/postgres/files/install.sh')],
      ['entrypoint.sh', shippedFile('constructs/postgres/files/entrypoint.sh')],
      ['postgresql.conf', this.postgresqlConf()],
      ['pg_hba.conf', this.pgHba()],
    ]);
    this.tag = `${POSTGRES_VERSION}-${contextDigest(this.files).slice(0, 12)}`;
    this.imageRef = `${props.registry}/${props.repository}:${this.tag}`;
    this.contextDir = imageContextDir(props.repository, props.environment);
  }

  private header(comment: string): string {
    return `${comment} Rendered by cdc8s for environment ${this.props.environment}: change environments/${this.props.environment}.yaml, not this file.`;
  }

  private dockerfile(): string {
    const build = '/tmp/cdc8s-build';
    return [
      this.header('#'),
      `FROM ${imageReference(this.props.baseImage)}`,
      `# PostgreSQL ${POSTGRES_VERSION} and pgBackRest ${PGBACKREST_VERSION} from Debian ${DEBIAN_SUITE}, exactly the versions the tests run (packages).`,
      `COPY install.sh packages ${build}/`,
      `RUN bash ${build}/install.sh ${build}/packages ${POSTGRES_UID} ${REMOVED_OUTPUT_PLUGINS.join(' ')} && rm -rf ${build}`,
      'COPY postgresql.conf pg_hba.conf /etc/postgresql/',
      `COPY entrypoint.sh ${POSTGRES_ENTRYPOINT}`,
      `ENV PATH=${POSTGRES_IMAGE_PATH} LANG=C.UTF-8`,
      `USER ${POSTGRES_UID}:${POSTGRES_UID}`,
      // SIGTERM is PostgreSQL's smart shutdown, which waits for every client to disconnect: the pod's
      // grace period would run out and end in SIGKILL and crash recovery. SIGINT is a fast shutdown.
      'STOPSIGNAL SIGINT',
      `ENTRYPOINT ["bash", "${POSTGRES_ENTRYPOINT}"]`,
      `CMD ["postgres", "-c", "config_file=${POSTGRES_CONFIG_FILE}"]`,
      '',
    ].join('\n');
  }

  private postgresqlConf(): string {
    const p = this.props;
    return [
      this.header('#'),
      "listen_addresses = '*'",
      `port = ${POSTGRES_PORT}`,
      "hba_file = '/etc/postgresql/pg_hba.conf'",
      `unix_socket_directories = '${POSTGRES_SOCKET_DIR}'`,
      "password_encryption = 'scram-sha-256'",
      '',
      '# TLS with the certificate cert-manager issues and renews (a reload picks up a renewal); pg_hba',
      '# admits TCP clients only over it.',
      'ssl = on',
      `ssl_cert_file = '${POSTGRES_TLS_DIR}/tls.crt'`,
      `ssl_key_file = '${POSTGRES_TLS_DIR}/tls.key'`,
      "ssl_min_protocol_version = 'TLSv1.2'",
      '',
      '# Logical decoding for Debezium (pgoutput is built into PostgreSQL >= 10).',
      'wal_level = logical',
      `max_wal_senders = ${p.maxWalSenders}`,
      `max_replication_slots = ${p.maxReplicationSlots}`,
      '# WAL a stalled slot may retain; past it PostgreSQL invalidates the slot instead of filling the disk.',
      `max_slot_wal_keep_size = ${p.maxSlotWalKeepSize}`,
      '',
      ...walArchivingSettings(p.archiveTimeoutSeconds),
      '',
      '# Who connected, and every replication command (slot creation and drops, START_REPLICATION): the',
      '# audit trail of what the REPLICATION role did.',
      'log_connections = on',
      'log_disconnections = on',
      'log_replication_commands = on',
      '',
    ].join('\n');
  }

  private pgHba(): string {
    const p = this.props;
    const rows = [
      '# TYPE  DATABASE  USER  ADDRESS  METHOD',
      '# The superuser only over the local socket, as the postgres OS user (init scripts, maintenance).',
      'local   all       postgres           peer',
      '# Debezium streams through a logical replication connection, which pg_hba matches by database',
      '# name (the `replication` keyword covers physical replication only, which nothing here needs).',
      '# hostssl only: a plaintext TCP connection matches no line and is refused.',
    ];
    for (const cidr of p.clientCidrs) {
      rows.push(`hostssl ${p.database}  ${p.appUser}  ${cidr}  scram-sha-256`);
      rows.push(`hostssl ${p.database}  ${p.debeziumUser}  ${cidr}  scram-sha-256`);
    }
    return [this.header('#'), ...rows, ''].join('\n');
  }
}
