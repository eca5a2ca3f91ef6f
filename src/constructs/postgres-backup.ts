import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BackupRepository } from '../platforms/platform';
import { ScriptSidecar } from './script-sidecar';

/**
 * pgBackRest, from Debian bookworm (the postgres image's base): the exact package the live tests
 * run (`apt-get install pgbackrest=2.45-1`), so what is proven here is what the image carries.
 */
export const PGBACKREST_PACKAGE = 'pgbackrest=2.45-1';
/** pgBackRest reads /etc/pgbackrest/pgbackrest.conf; the ConfigMap is mounted there. */
export const PGBACKREST_CONFIG_DIR = '/etc/pgbackrest';
/** Where a volume repository is mounted (minikube). */
export const BACKUP_VOLUME_PATH = '/var/lib/pgbackrest';
/** The stanza: pgBackRest's name for this database cluster in the repository. */
export const BACKUP_STANZA = 'cdc8s';
/** The backup sidecar's heartbeat (liveness) in its scratch volume. */
export const BACKUP_HEARTBEAT_FILE = '/tmp/backup-heartbeat';
/** Seconds between the sidecar's looks at the newest full backup. */
const POLL_SECONDS = 300;

/** postgresql.conf lines: every WAL segment goes to the repository (point-in-time recovery). */
export function walArchivingSettings(archiveTimeoutSeconds: number): string[] {
  return [
    '# WAL archiving to the backup repository (pgBackRest): with the full backups, recovery to any',
    '# point in time. A segment is archived at least every archive_timeout (what a lost volume loses).',
    'archive_mode = on',
    `archive_command = 'pgbackrest --stanza=${BACKUP_STANZA} archive-push %p'`,
    `archive_timeout = ${archiveTimeoutSeconds}`,
  ];
}

export interface PostgresBackupProps {
  /** Name of the ConfigMap. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly environment: string;
  /** The platform's repository: S3, GCS or a volume. */
  readonly repository: BackupRepository;
  /** Full backups kept. */
  readonly retentionFull: number;
  /** Hours between full backups. */
  readonly fullEveryHours: number;
  /** The server's data directory, socket directory and port. */
  readonly dataDir: string;
  readonly socketDir: string;
  readonly port: number;
}

/**
 * Backups and point-in-time recovery with pgBackRest: its configuration (a ConfigMap mounted where
 * it looks, so both the server's archive_command and the sidecar read it), and a sidecar that
 * creates the stanza and takes a full backup whenever the newest is older than the interval.
 * A sidecar, not a CronJob: pgBackRest reads the data directory, which only this pod mounts.
 */
export class PostgresBackup extends ScriptSidecar {
  constructor(scope: Construct, id: string, props: PostgresBackupProps) {
    super(scope, id, { name: props.name, namespace: props.namespace, labels: props.labels, mountDir: PGBACKREST_CONFIG_DIR }, {
      'pgbackrest.conf': pgbackrestConfiguration(props),
      'backup.sh': backupLoopScript(props),
    });
  }

  container(image: string, mounts: readonly k8s.VolumeMount[], resources: k8s.ResourceRequirements): k8s.Container {
    return this.scriptContainer('backup', 'backup.sh', image, mounts, resources, {
      // Ready as soon as its loop runs: a backup failure is logged and retried, and never takes the
      // database out of its Service (pod readiness counts every container).
      readinessProbe: { exec: { command: ['test', '-f', BACKUP_HEARTBEAT_FILE] }, periodSeconds: 30 },
      // The loop touches its heartbeat every pass and, while a backup runs, every 30 s.
      livenessProbe: {
        exec: { command: ['bash', '-c', `(( $(date +%s) - $(stat -c %Y ${BACKUP_HEARTBEAT_FILE}) < ${POLL_SECONDS * 3} ))`] },
        initialDelaySeconds: 60, periodSeconds: 60, timeoutSeconds: 5, failureThreshold: 3,
      },
    });
  }
}

function pgbackrestConfiguration(p: PostgresBackupProps): string {
  const repository = Object.entries(p.repository.options).map(([key, value]) => `repo1-${key}=${value}`);
  return [
    `# Rendered by cdc8s for environment ${p.environment}: change environments/${p.environment}.yaml, not this file.`,
    '[global]',
    ...repository,
    `repo1-retention-full=${p.retentionFull}`,
    'compress-type=zst',
    '# A backup starts with an immediate checkpoint rather than waiting for the next one.',
    'start-fast=y',
    '# Read-only root filesystem: logs to the container output, locks in the scratch volume.',
    'log-level-console=info',
    'log-level-file=off',
    'lock-path=/tmp/pgbackrest',
    '',
    `[${BACKUP_STANZA}]`,
    `pg1-path=${p.dataDir}`,
    `pg1-socket-path=${p.socketDir}`,
    `pg1-port=${p.port}`,
    'pg1-user=postgres',
    '',
  ].join('\n');
}

function backupLoopScript(p: PostgresBackupProps): string {
  const every = p.fullEveryHours * 3600;
  return [
    '#!/usr/bin/env bash',
    `# Rendered by cdc8s for environment ${p.environment}: change environments/${p.environment}.yaml, not this file.`,
    `# Creates the stanza, then takes a full backup whenever the newest is older than ${p.fullEveryHours} h.`,
    'set -uo pipefail',
    `export PGHOST=${p.socketDir} PGPORT=${p.port} PGUSER=postgres PGDATABASE=postgres PGCONNECT_TIMEOUT=5`,
    `stanza=${BACKUP_STANZA}`,
    `heartbeat=${BACKUP_HEARTBEAT_FILE}`,
    `until pgbackrest --stanza="$stanza" stanza-create; do`,
    '  touch "$heartbeat"',
    `  echo "$(date -u +%FT%TZ) ERROR: stanza-create failed (above); retrying in 60 s" >&2`,
    '  sleep 60',
    'done',
    'while true; do',
    '  touch "$heartbeat"',
    '  info=$(pgbackrest --stanza="$stanza" --output=json info)',
    '  # The newest full backup\'s end, read with PostgreSQL\'s JSON functions (the image has no jq).',
    `  last=$(psql -X -At -v info="$info" <<< "SELECT coalesce(max((b->'timestamp'->>'stop')::bigint), 0) FROM json_array_elements((:'info')::json->0->'backup') b WHERE b->>'type' = 'full'")`,
    `  if [ -n "$last" ] && (( $(date +%s) - last >= ${every} )); then`,
    '    ( while sleep 30; do touch "$heartbeat"; done ) &',
    '    ticker=$!',
    '    if pgbackrest --stanza="$stanza" --type=full backup; then',
    '      echo "$(date -u +%FT%TZ) full backup done"',
    '    else',
    `      echo "$(date -u +%FT%TZ) ERROR: full backup failed (above); retrying in ${POLL_SECONDS} s" >&2`,
    '    fi',
    '    kill "$ticker"',
    '  fi',
    `  sleep ${POLL_SECONDS}`,
    'done',
    '',
  ].join('\n');
}
