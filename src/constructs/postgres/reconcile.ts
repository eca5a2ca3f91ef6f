import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DatabaseTarget, publishableCheckSql, quoteIdent, reconcileSql } from './reconcile-sql';
import { ScriptSidecar } from '../k8s/script-sidecar';

/** Where the reconcile's ConfigMap is mounted, in the server's container and in the sidecar. */
export const RECONCILE_DIR = '/etc/cdc8s/reconcile';
/** The sidecar's readiness marker, in its own scratch volume: present once a reconcile succeeded. */
export const RECONCILE_READY_FILE = '/tmp/reconciled';
/** Touched on every pass of the loop: the liveness probe restarts a sidecar that stopped passing. */
const RECONCILE_HEARTBEAT_FILE = '/tmp/heartbeat';
/** Seconds between the sidecar's looks at its inputs. */
const POLL_SECONDS = 10;
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
        'reconcile.sql': reconcileSql(props),
        'check.sql': publishableCheckSql(props),
        'reconcile.sh': reconcileLoopScript(props),
      },
    );
  }

  /**
   * The sidecar: the socket directory, the ConfigMap and the watched mounts. Ready once a reconcile
   * has succeeded since it started, so a new pod takes no traffic before its roles and passwords
   * match the config.
   */
  container(image: string, mounts: readonly k8s.VolumeMount[], resources: k8s.ResourceRequirements): k8s.Container {
    return this.scriptContainer('reconcile', 'reconcile.sh', image, mounts, resources, {
      readinessProbe: { exec: { command: ['test', '-f', RECONCILE_READY_FILE] }, periodSeconds: 5, failureThreshold: 1 },
      // A pass takes well under a minute (lock and statement timeouts bound it); none for 5 minutes is a hang.
      livenessProbe: {
        exec: { command: ['bash', '-c', `(( $(date +%s) - $(stat -c %Y ${RECONCILE_HEARTBEAT_FILE}) < 300 ))`] },
        initialDelaySeconds: 60,
        periodSeconds: 30,
        timeoutSeconds: 5,
        failureThreshold: 2,
      },
    });
  }
}

function reconcileLoopScript(p: PostgresReconcileProps): string {
  const schemas = [...new Set(p.tables.map((t) => t.schema)), p.signalTable.schema].map((s) => `'${s}'`).join(', ');
  return [
    '#!/usr/bin/env bash',
    `# Rendered by cdc8s for environment ${p.environment}: change environments/${p.environment}.yaml, not this file.`,
    '# Runs the reconcile whenever one of its inputs changes: the server (re)started, the SQL, a',
    '# mounted Secret or certificate, the tables in the captured schemas; and every 15 minutes.',
    '# A failure is logged and retried; the database keeps serving.',
    'set -uo pipefail',
    `export PGHOST=${p.socketDir} PGPORT=${p.port} PGUSER=postgres PGDATABASE=postgres PGCONNECT_TIMEOUT=5`,
    `dir=${RECONCILE_DIR}`,
    `ready=${RECONCILE_READY_FILE}`,
    `watched=(${p.watchedFiles.join(' ')})`,
    `tables_sql="SELECT string_agg(c.oid || c.relreplident || c.relhasindex, ',' ORDER BY c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname IN (${schemas})"`,
    'last=""',
    'while true; do',
    `  touch ${RECONCILE_HEARTBEAT_FILE}`,
    "  if started=$(psql -X -At -c 'SELECT pg_postmaster_start_time()' 2>/dev/null); then",
    `    tables=$(psql -X -At -d ${quoteIdent(p.database)} -c "$tables_sql" 2>/dev/null)`,
    '    # Contents are hashed, never printed: the watched files include passwords.',
    '    inputs=$(cat "$dir/reconcile.sql" "$dir/check.sql" "${watched[@]}" 2>/dev/null | sha256sum)',
    `    key="$started|$tables|$inputs|$(( $(date +%s) / ${DRIFT_SECONDS} ))"`,
    '    if [ "$key" != "$last" ]; then',
    '      if psql -X -q -f "$dir/reconcile.sql"; then',
    '        touch "$ready"',
    '        if psql -X -q -f "$dir/check.sql"; then',
    '          last=$key',
    '          echo "$(date -u +%FT%TZ) reconciled (server started $started)"',
    '        else',
    `          echo "$(date -u +%FT%TZ) ERROR: reconcile check failed (above); retrying in ${POLL_SECONDS * 6} s" >&2`,
    `          sleep ${POLL_SECONDS * 5}`,
    '        fi',
    '      else',
    `        echo "$(date -u +%FT%TZ) ERROR: reconcile failed (above); retrying in ${POLL_SECONDS * 6} s" >&2`,
    `        sleep ${POLL_SECONDS * 5}`,
    '      fi',
    '    fi',
    '  fi',
    `  sleep ${POLL_SECONDS}`,
    'done',
    '',
  ].join('\n');
}
