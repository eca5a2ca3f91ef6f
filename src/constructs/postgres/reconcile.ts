import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DatabaseTarget, targetDocument } from './database-target';
import { ScriptSidecar } from '../k8s/script-sidecar';
import { shippedFile } from '../k8s/shipped-files';
import { serverEnvironment } from './server-environment';

/** Where the reconcile's ConfigMap is mounted, in the server's container and in the sidecar. */
export const RECONCILE_DIR = '/etc/cdc8s/reconcile';
/** The sidecar's readiness marker, in its own scratch volume: present once a reconcile succeeded. */
export const RECONCILE_READY_FILE = '/tmp/reconciled';
/** Touched on every pass of the loop: the liveness probe restarts a sidecar that stopped passing. */
const RECONCILE_HEARTBEAT_FILE = '/tmp/heartbeat';
/** Seconds between the sidecar's looks at its inputs. */
const POLL_SECONDS = 10;
/** Seconds before a failed reconcile (or check) is tried again. */
const RETRY_SECONDS = 60;
/** A reconcile runs at least this often even when no input changed: it undoes drift (a manual GRANT). */
const DRIFT_SECONDS = 900;

export interface PostgresReconcileProps extends DatabaseTarget {
  /** Name of the ConfigMap (and prefix of the volume names). */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** The server's Unix socket directory (shared with the server's container) and port. */
  readonly socketDir: string;
  readonly port: number;
  /** Mounted files whose change needs a reconcile or reload: the Secrets and the server certificate. */
  readonly watchedFiles: readonly string[];
}

/**
 * Brings the live database to the config for its whole life: a ConfigMap with the idempotent
 * reconcile SQL, run by the image's first-start script and by a sidecar whenever the server has
 * (re)started, the SQL or a mounted Secret or certificate changed, a captured table appeared, or
 * 15 minutes passed. A sidecar rather than a Job: it shares the server's socket (peer login as
 * the superuser, which has no network login at all) and sees every restart, which a Job run by
 * Argo CD or Helm on a sync would not. Table lists live here, not in the image: adding a table
 * changes this ConfigMap, and the mounted copy updates without restarting the server.
 */
export class PostgresReconcile extends ScriptSidecar {
  constructor(scope: Construct, id: string, props: PostgresReconcileProps) {
    super(
      scope,
      id,
      { name: `${props.name}-reconcile`, namespace: props.namespace, labels: props.labels, mountDir: RECONCILE_DIR },
      {
        'reconcile.sql': shippedFile('constructs/postgres/files/reconcile.sql'),
        'check.sql': shippedFile('constructs/postgres/files/check.sql'),
        'reconcile.sh': shippedFile('constructs/postgres/files/reconcile-loop.sh'),
        // What the three read: in the ConfigMap, so a captured table is added without restarting the database.
        'target.json': targetDocument(props),
      },
    );
    this.loopEnvironment = [
      ...serverEnvironment(props),
      // reconcile.sh's parameters (src/constructs/postgres/files/reconcile-loop.sh).
      { name: 'CDC8S_RECONCILE_DIR', value: RECONCILE_DIR },
      { name: 'CDC8S_READY_FILE', value: RECONCILE_READY_FILE },
      { name: 'CDC8S_HEARTBEAT_FILE', value: RECONCILE_HEARTBEAT_FILE },
      { name: 'CDC8S_WATCHED_FILES', value: props.watchedFiles.join(' ') },
      { name: 'CDC8S_DATABASE', value: props.database },
      { name: 'CDC8S_POLL_SECONDS', value: String(POLL_SECONDS) },
      { name: 'CDC8S_RETRY_SECONDS', value: String(RETRY_SECONDS) },
      { name: 'CDC8S_DRIFT_SECONDS', value: String(DRIFT_SECONDS) },
    ];
  }

  private readonly loopEnvironment: k8s.EnvVar[];

  /**
   * The sidecar: the socket directory, the ConfigMap and the watched mounts. Ready once a reconcile
   * has succeeded since it started, so a new pod takes no traffic before its roles and passwords
   * match the config.
   */
  container(image: string, mounts: readonly k8s.VolumeMount[], resources: k8s.ResourceRequirements): k8s.Container {
    return this.scriptContainer(
      'reconcile',
      'reconcile.sh',
      image,
      mounts,
      resources,
      {
        readinessProbe: { exec: { command: ['test', '-f', RECONCILE_READY_FILE] }, periodSeconds: 5, failureThreshold: 1 },
        // A pass takes well under a minute (lock and statement timeouts bound it); none for 5 minutes is a hang.
        livenessProbe: {
          exec: { command: ['bash', '-c', `(( $(date +%s) - $(stat -c %Y ${RECONCILE_HEARTBEAT_FILE}) < 300 ))`] },
          initialDelaySeconds: 60,
          periodSeconds: 30,
          timeoutSeconds: 5,
          failureThreshold: 2,
        },
      },
      this.loopEnvironment,
    );
  }
}
