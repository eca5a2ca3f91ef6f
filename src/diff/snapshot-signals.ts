/**
 * Tables a change starts capturing. Debezium streams their changes from the moment the reconcile
 * publishes them, but the rows they already hold never arrive: `snapshot.mode: initial` snapshots
 * once, at the connector's first start. An ad hoc incremental snapshot, asked for by a row in the
 * signal table, reads them (https://debezium.io/documentation/reference/3.4/configuration/signalling.html).
 */

import { includedTables } from '../constructs/kafka/debezium-connector';
import { POSTGRES_CONTAINER } from '../constructs/postgres/postgres';
import { RenderedObject } from '../model/rendered-object';
import { databaseStatefulSet } from './database-objects';

/** What an operator runs, after the connector has the new config, to snapshot the added tables. */
export interface SnapshotSignal {
  /** `schema.table` of each newly captured table. */
  readonly tables: readonly string[];
  /** The INSERT into the signal table, as the superuser. */
  readonly sql: string;
  /** The same, through kubectl exec into the database pod (peer login over the socket). */
  readonly command: string;
}

/** The tables a rendered connector captures, as `schema.table`; none without a connector. */
function capturedBy(connector: RenderedObject | undefined): string[] {
  const list = connector?.spec?.config?.['table.include.list'];
  return typeof list === 'string' ? includedTables(list) : [];
}

/** The signal that snapshots `tables` incrementally, for the database `objects` render. */
export function snapshotSignal(objects: readonly RenderedObject[], tables: readonly string[]): SnapshotSignal {
  const connector = objects.find((o) => o.kind === 'KafkaConnector');
  const database = databaseStatefulSet(objects);
  const config = connector?.spec?.config ?? {};
  const signalTable = config['signal.data.collection'];
  if (!connector || !database || typeof signalTable !== 'string')
    throw new Error('no KafkaConnector with signal.data.collection and no postgres StatefulSet: cannot write the snapshot signal');
  const data = JSON.stringify({ 'data-collections': tables, type: 'incremental' });
  const sql = `INSERT INTO ${signalTable} (id, type, data) VALUES (gen_random_uuid()::text, 'execute-snapshot', '${data}')`;
  const pod = `${database.metadata?.name}-0`;
  const command = `kubectl exec -n ${database.metadata?.namespace} ${pod} -c ${POSTGRES_CONTAINER} -- psql -v ON_ERROR_STOP=1 -d ${config['database.dbname']} -c "${sql.replaceAll('"', '\\"')}"`;
  return { tables, sql, command };
}

/** The signal for the tables `after` captures and `before` did not; undefined when none was added. */
export function addedTablesSignal(before: readonly RenderedObject[], after: readonly RenderedObject[]): SnapshotSignal | undefined {
  const previous = new Set(capturedBy(before.find((o) => o.kind === 'KafkaConnector')));
  const added = capturedBy(after.find((o) => o.kind === 'KafkaConnector')).filter((t) => !previous.has(t));
  // A first render (no connector before) snapshots everything at its first start.
  return previous.size === 0 || added.length === 0 ? undefined : snapshotSignal(after, added);
}

/** Lines for `npm run diff`: which tables, when, and the command. */
export function formatSnapshotSignal(environment: string, signal: SnapshotSignal): string[] {
  return [
    `${environment}: newly captured ${signal.tables.join(', ')}: rows they already hold reach Kafka only through an incremental snapshot.`,
    `  Once the connector runs with this config and the reconcile has published the table(s) (the postgres pod's reconcile container logs "publication now publishes"), run:`,
    `  ${signal.command}`,
  ];
}
