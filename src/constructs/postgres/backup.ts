import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { withConfigDefaults } from '../../model/config-defaults';
import { ScriptSidecar } from '../k8s/script-sidecar';
import { shippedFile } from '../k8s/shipped-files';
import { serverEnvironment } from './server-environment';
import { BackupRepository } from '../../model/backup-repository';

/** pgBackRest reads /etc/pgbackrest/pgbackrest.conf; the ConfigMap is mounted there. */
export const PGBACKREST_CONFIG_DIR = '/etc/pgbackrest';
/** Where a volume repository is mounted (minikube). */
export const BACKUP_VOLUME_PATH = '/var/lib/pgbackrest';
/** The stanza: pgBackRest's name for this database cluster in the repository. */
export const BACKUP_STANZA = 'cdc8s';
/** The backup sidecar's readiness marker, in its scratch volume: the stanza exists and archiving worked. */
export const BACKUP_READY_FILE = '/tmp/backup-ready';
/** Seconds between the sidecar's looks at the newest full backup. */
const POLL_SECONDS = 300;

export interface PostgresBackupProps {
  /** Name of the ConfigMap. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** The platform's repository: S3, GCS or a volume. */
  readonly repository: BackupRepository;
  /**
   * Full backups kept.
   * @default 4 (config schema: postgres.backup.retentionFull)
   */
  readonly retentionFull?: number;
  /**
   * Hours between full backups.
   * @default 24 (config schema: postgres.backup.fullEveryHours)
   */
  readonly fullEveryHours?: number;
  /**
   * postgresql.conf `archive_timeout`, seconds: how often a segment is due for archiving.
   * @default 300 (config schema: postgres.backup.archiveTimeoutSeconds)
   */
  readonly archiveTimeoutSeconds?: number;
}

/** Where each setting a caller may leave out takes its default (the `@default`s above). */
export const BACKUP_DEFAULTS = {
  retentionFull: 'postgres.backup.retentionFull',
  fullEveryHours: 'postgres.backup.fullEveryHours',
  archiveTimeoutSeconds: 'postgres.backup.archiveTimeoutSeconds',
} as const;

/**
 * Backups and point-in-time recovery with pgBackRest: its configuration (a ConfigMap mounted where
 * it looks, so both the server's archive_command and the sidecar read it; the repository in their
 * environment), and a sidecar that
 * creates the stanza and takes a full backup whenever the newest is older than the interval.
 * A sidecar, not a CronJob: pgBackRest reads the data directory, which only this pod mounts.
 */
export class PostgresBackup extends ScriptSidecar {
  constructor(scope: Construct, id: string, given: PostgresBackupProps) {
    const props = withConfigDefaults(given, BACKUP_DEFAULTS);
    super(
      scope,
      id,
      { name: props.name, namespace: props.namespace, labels: props.labels, mountDir: PGBACKREST_CONFIG_DIR },
      {
        'pgbackrest.conf': shippedFile('constructs/postgres/files/pgbackrest.conf'),
        'backup.sh': shippedFile('constructs/postgres/files/backup-loop.sh'),
        'health.sh': shippedFile('constructs/postgres/files/backup-health.sh'),
        'backup-status.sql': shippedFile('constructs/postgres/files/backup-status.sql'),
      },
    );
    this.health = { archiveBoundSeconds: archiveBoundSeconds(props.archiveTimeoutSeconds), backupBoundSeconds: props.fullEveryHours * 3600 + 2 * POLL_SECONDS };
    this.fullEverySeconds = props.fullEveryHours * 3600;
    this.repositoryEnv = repositoryEnvironment(props.repository, props.retentionFull);
  }

  /** The repository's options for each container that runs pgBackRest (the server's archive_command, the sidecar). */
  readonly repositoryEnv: k8s.EnvVar[];

  private readonly fullEverySeconds: number;

  /** What the liveness probe allows: a segment's wait for archiving, and the newest good backup's age. */
  readonly health: { readonly archiveBoundSeconds: number; readonly backupBoundSeconds: number };

  /**
   * The sidecar. Ready once the stanza exists and WAL archiving has worked (pgBackRest's check).
   * Live while archiving keeps up and the newest good backup is younger than the schedule allows:
   * a failure restarts the sidecar, which shows (restarts, CrashLoopBackOff) and retries at once.
   * Backup health is not the pod's readiness: that would take the only writer out of its Service.
   */
  container(image: string, mounts: readonly k8s.VolumeMount[], resources: k8s.ResourceRequirements, server: { readonly socketDir: string; readonly port: number }): k8s.Container {
    return this.scriptContainer(
      'backup',
      'backup.sh',
      image,
      mounts,
      resources,
      {
        readinessProbe: { exec: { command: ['test', '-f', BACKUP_READY_FILE] }, periodSeconds: 10 },
        livenessProbe: {
          exec: { command: ['bash', `${PGBACKREST_CONFIG_DIR}/health.sh`, BACKUP_STANZA, String(this.health.archiveBoundSeconds), String(this.health.backupBoundSeconds)] },
          // The first full backup starts within a minute of the stanza; while it runs the probe passes.
          initialDelaySeconds: 120,
          periodSeconds: 60,
          timeoutSeconds: 30,
          failureThreshold: 3,
        },
      },
      [
        ...serverEnvironment(server),
        ...this.repositoryEnv,
        // backup.sh's parameters (src/constructs/postgres/files/backup-loop.sh).
        { name: 'CDC8S_BACKUP_STANZA', value: BACKUP_STANZA },
        { name: 'CDC8S_READY_FILE', value: BACKUP_READY_FILE },
        { name: 'CDC8S_FULL_EVERY_SECONDS', value: String(this.fullEverySeconds) },
        { name: 'CDC8S_POLL_SECONDS', value: String(POLL_SECONDS) },
      ],
    );
  }
}

/**
 * How long a completed WAL segment may wait for archive_command: archiving runs as soon as a
 * segment completes, so anything past a few timeouts (and never under 10 minutes, which rides out a
 * short object-store outage) means it is failing.
 */
function archiveBoundSeconds(archiveTimeoutSeconds: number): number {
  return Math.max(600, 3 * archiveTimeoutSeconds);
}

/**
 * The repository's options as pgBackRest reads them from the environment (`PGBACKREST_` and the
 * option name, upper case, dashes as underscores), for every container that runs it: the server's
 * archive_command and the sidecar.
 */
export function repositoryEnvironment(repository: BackupRepository, retentionFull: number): k8s.EnvVar[] {
  const options = { ...repository.options, 'retention-full': String(retentionFull) };
  return Object.entries(options).map(([key, value]) => ({ name: `PGBACKREST_REPO1_${key.toUpperCase().replaceAll('-', '_')}`, value }));
}
