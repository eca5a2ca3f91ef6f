import { Construct } from 'constructs';
import { CapturedTable, ImageRef } from '../config/types';
import { imageReference } from './image';
import { imageContextDir } from '../output/paths';
import { contextDigest, ImageBuildContext } from './image-context';

/** Where the workload mounts each credential Secret; the init script reads passwords from here. */
export const POSTGRES_SECRET_MOUNTS = {
  superuser: '/etc/cdc8s/secrets/superuser',
  app: '/etc/cdc8s/secrets/app',
  debezium: '/etc/cdc8s/secrets/debezium',
} as const;

/** UID and GID of the `postgres` user in the Debian-based official image. */
export const POSTGRES_UID = 999;
export const POSTGRES_PORT = 5432;
export const POSTGRES_CONFIG_FILE = '/etc/postgresql/postgresql.conf';
/** Where the server puts its Unix socket (probes and maintenance connect there). */
export const POSTGRES_SOCKET_DIR = '/var/run/postgresql';

export interface PostgresDebeziumImageProps {
  /** Environment the image is rendered for (named in the generated files). */
  readonly environment: string;
  /** Pinned upstream postgres image to build FROM. */
  readonly baseImage: ImageRef;
  /** Registry and repository the built image is pushed to. */
  readonly registry: string;
  readonly repository: string;
  /** Application database the first-start script creates. */
  readonly database: string;
  /** Role that owns the database and the captured schemas. */
  readonly appUser: string;
  /** Replication role Debezium logs in as. */
  readonly debeziumUser: string;
  /** Tables Debezium captures; their schemas get grants and the publication. */
  readonly tables: readonly CapturedTable[];
  /** Name of the pgoutput publication. */
  readonly publication: string;
  /** postgresql.conf `max_wal_senders`. */
  readonly maxWalSenders: number;
  /** postgresql.conf `max_replication_slots`. */
  readonly maxReplicationSlots: number;
  /** postgresql.conf `max_slot_wal_keep_size`, e.g. `10GB`. */
  readonly maxSlotWalKeepSize: string;
  /** Source ranges pg_hba accepts password logins from. */
  readonly clientCidrs: readonly string[];
}

/**
 * A Debezium-ready PostgreSQL image as a deterministic Docker build context: logical decoding
 * on, a least-privilege replication role and the pgoutput publication created at first start.
 * The tag carries a digest of the context, so any config change yields a new image reference.
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
  /** The application database the first-start script creates. */
  readonly database: string;
  /** Login roles the first-start script creates. */
  readonly roles: { readonly app: string; readonly debezium: string };
  /** The publication the first-start script creates (FOR TABLES IN SCHEMA the captured schemas). */
  readonly publication: string;

  constructor(scope: Construct, id: string, private readonly props: PostgresDebeziumImageProps) {
    super(scope, id);
    this.files = new Map([
      ['Dockerfile', this.dockerfile()],
      ['postgresql.conf', this.postgresqlConf()],
      ['pg_hba.conf', this.pgHba()],
      ['init.sql', this.initSql()],
      ['initdb/10-cdc8s-init.sh', this.initScript()],
    ]);
    this.tag = `${props.baseImage.tag}-${contextDigest(this.files).slice(0, 12)}`;
    this.imageRef = `${props.registry}/${props.repository}:${this.tag}`;
    this.contextDir = imageContextDir(props.repository, props.environment);
    this.database = props.database;
    this.roles = { app: props.appUser, debezium: props.debeziumUser };
    this.publication = props.publication;
  }

  /** Schemas that hold captured tables, in first-seen order. */
  get capturedSchemas(): string[] {
    return [...new Set(this.props.tables.map((t) => t.schema))];
  }

  private header(comment: string): string {
    return `${comment} Rendered by cdc8s for environment ${this.props.environment}: change environments/${this.props.environment}.yaml, not this file.`;
  }

  private dockerfile(): string {
    return [
      this.header('#'),
      `FROM ${imageReference(this.props.baseImage)}`,
      'COPY postgresql.conf pg_hba.conf /etc/postgresql/',
      'COPY init.sql /usr/local/share/cdc8s/init.sql',
      // Files in docker-entrypoint-initdb.d run once, when the data directory is empty.
      'COPY initdb/ /docker-entrypoint-initdb.d/',
      `USER ${POSTGRES_UID}:${POSTGRES_UID}`,
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
      '# Logical decoding for Debezium (pgoutput is built into PostgreSQL >= 10).',
      'wal_level = logical',
      `max_wal_senders = ${p.maxWalSenders}`,
      `max_replication_slots = ${p.maxReplicationSlots}`,
      '# WAL a stalled slot may retain; past it PostgreSQL invalidates the slot instead of filling the disk.',
      `max_slot_wal_keep_size = ${p.maxSlotWalKeepSize}`,
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
    ];
    for (const cidr of p.clientCidrs) {
      rows.push(`host    ${p.database}  ${p.appUser}  ${cidr}  scram-sha-256`);
      rows.push(`host    ${p.database}  ${p.debeziumUser}  ${cidr}  scram-sha-256`);
    }
    return [this.header('#'), ...rows, ''].join('\n');
  }

  private initSql(): string {
    const p = this.props;
    const lines = [
      this.header('--'),
      '-- Runs once, on an empty data directory, as the superuser. Passwords are read by psql itself from',
      "-- the mounted Secrets (a backquoted command's output, trailing newline removed): none is written",
      "-- here, and none passes through a command line, where any process could read it.",
      `\\set app_password \`cat ${POSTGRES_SECRET_MOUNTS.app}/password\``,
      `\\set debezium_password \`cat ${POSTGRES_SECRET_MOUNTS.debezium}/password\``,
      '',
      `CREATE ROLE ${p.appUser} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_password';`,
      '-- Debezium: may stream WAL and read the captured tables, nothing more (no SUPERUSER).',
      `CREATE ROLE ${p.debeziumUser} WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'debezium_password';`,
      '',
      `CREATE DATABASE ${p.database} OWNER ${p.appUser};`,
      `REVOKE ALL ON DATABASE ${p.database} FROM PUBLIC;`,
      `GRANT CONNECT ON DATABASE ${p.database} TO ${p.appUser}, ${p.debeziumUser};`,
      '',
      `\\connect ${p.database}`,
    ];
    for (const schema of this.capturedSchemas) {
      lines.push(
        '',
        `-- Schema ${schema}: the application owns it and creates its tables (its migrations).`,
        `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)} AUTHORIZATION ${p.appUser};`,
        `ALTER SCHEMA ${quoteIdent(schema)} OWNER TO ${p.appUser};`,
        `GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${p.debeziumUser};`,
        '-- Snapshots read every table the application creates here; nothing can be written.',
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${p.appUser} IN SCHEMA ${quoteIdent(schema)} GRANT SELECT ON TABLES TO ${p.debeziumUser};`,
      );
    }
    lines.push(
      '',
      '-- The publication Debezium reads through (pgoutput). It is created here, by the superuser, so the',
      '-- connector runs with publication.autocreate.mode=disabled and never needs to own the tables.',
      '-- Tables do not exist yet (the API creates them), hence a schema-level publication; the',
      `-- connector's table.include.list narrows it to: ${p.tables.map((t) => `${t.schema}.${t.table}`).join(', ')}.`,
      `CREATE PUBLICATION ${p.publication} FOR TABLES IN SCHEMA ${this.capturedSchemas.map(quoteIdent).join(', ')};`,
      '',
    );
    return lines.join('\n');
  }

  private initScript(): string {
    return [
      '#!/usr/bin/env bash',
      this.header('#'),
      "# Sourced by the image's entrypoint on first start, after initdb.",
      '# init.sql reads the passwords itself: they never appear on a command line.',
      'psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres --file=/usr/local/share/cdc8s/init.sql',
      '',
    ].join('\n');
  }
}

/** Lower-case names stay bare (Debezium's include list matches them as written); others are quoted. */
function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name}"`;
}
