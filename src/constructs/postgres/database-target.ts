import { CapturedTable } from '../../model/config';

/**
 * The role postgres_exporter logs in as: pg_monitor, over the socket by peer authentication only
 * (files/pg_hba.conf and pg_ident.conf name it; shipped-files-agree.test.ts holds them to this).
 */
export const MONITOR_ROLE = 'cdc8s_monitor';

/** What the live database must match; every run of the reconcile brings it here. */
export interface DatabaseTarget {
  /** Application database; owned by the app role. */
  readonly database: string;
  /** Role that owns the database and the captured schemas (the application's migrations). */
  readonly appUser: string;
  /** Replication role Debezium logs in as. */
  readonly debeziumUser: string;
  /** Tables Debezium captures: exactly these are readable by it and published. */
  readonly tables: readonly CapturedTable[];
  /** Name of the pgoutput publication. */
  readonly publication: string;
  /** Debezium's signal table (ad hoc snapshots); created here, published, writable by Debezium only. */
  readonly signalTable: CapturedTable;
  /** Where each login role's password Secret is mounted (a `password` file in each). */
  readonly passwordFiles: { readonly app: string; readonly debezium: string };
  /** What each captured table carries so that its events are whole and none stops the pipeline. */
  readonly guards: CapturedTableGuards;
  /** Timeouts set on the application role (seconds). */
  readonly appSessionLimits: { readonly idleInTransactionSeconds: number; readonly statementSeconds: number };
}

/** Kept on every captured table that exists, by the reconcile. */
export interface CapturedTableGuards {
  /** REPLICA IDENTITY FULL: update and delete events carry the whole old row, unchanged TOASTed values included. */
  readonly replicaIdentityFull: boolean;
  /** A trigger rejects TRUNCATE, which Debezium cannot carry to a compacted topic. */
  readonly refuseTruncate: boolean;
  /** A trigger rejects an INSERT or UPDATE whose row as JSON (with the old row, under FULL) is larger. */
  readonly maxRowJsonBytes: number;
}

/** The guards' trigger names. The size check runs last of the table's BEFORE ROW triggers (they fire in name order), on the row as it will be stored. */
export const TRUNCATE_TRIGGER = 'cdc8s_refuse_truncate';
export const EVENT_SIZE_TRIGGER = 'zz_cdc8s_event_size';
/** What the publication carries: every row change, never TRUNCATE (see capture.truncate). */
export const PUBLISHED_OPERATIONS = 'insert, update, delete';

/**
 * What reconcile.sql, check.sql and the reconcile loop read (the ConfigMap's target.json): the
 * target as data, never spliced into SQL.
 */
export function targetDocument(t: DatabaseTarget): string {
  const table = ({ schema, table }: CapturedTable) => ({ schema, table });
  const document = {
    database: t.database,
    appUser: t.appUser,
    debeziumUser: t.debeziumUser,
    monitorUser: MONITOR_ROLE,
    tables: t.tables.map(table),
    signalTable: table(t.signalTable),
    publication: t.publication,
    publishedOperations: PUBLISHED_OPERATIONS,
    passwordFiles: t.passwordFiles,
    guards: t.guards,
    appSessionLimits: t.appSessionLimits,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
