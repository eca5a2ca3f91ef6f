import { ConsumedRecord } from './pipeline';

/** A source transaction a consumer applied as one unit: its id, and its events per table. */
export interface AppliedTransaction {
  readonly id: string;
  readonly events: number;
  readonly perTable: Readonly<Record<string, number>>;
  /** Kafka records of the transaction's events that arrived after it was applied (must be none). */
  late: number;
}

/**
 * What a consumer does with capture.transactionMetadata to apply each source transaction as one
 * unit (README, "Whole transactions"): it buffers change events by their PostgreSQL transaction id,
 * and applies a transaction once its END record has arrived and the buffer holds as many events of
 * its tables as END counts. Events and END come on different topics, so either may come first.
 * `tables`: the `schema.table`s this consumer reads (END counts every table of the transaction).
 */
export function applyTransactions(records: readonly ConsumedRecord[], tables: readonly string[]): AppliedTransaction[] {
  const buffered = new Map<string, number>();
  const ends = new Map<string, { events: number; perTable: Record<string, number> }>();
  const applied = new Map<string, AppliedTransaction>();
  const tryApply = (id: string) => {
    const end = ends.get(id);
    if (end && (buffered.get(id) ?? 0) === end.events) {
      applied.set(id, { id, events: end.events, perTable: end.perTable, late: 0 });
      buffered.delete(id);
      ends.delete(id);
    }
  };
  // Debezium's PostgreSQL ids are `<xid>:<LSN of the record>`: BEGIN, each event and END differ
  // after the colon, so only the xid names the transaction.
  const xidOf = (id: string) => id.split(':')[0];
  for (const record of records) {
    if (record.value === null) continue;
    const payload = JSON.parse(record.value).payload;
    if (payload.status === 'END') {
      const perTable = Object.fromEntries(
        (payload.data_collections as { data_collection: string; event_count: number }[])
          .filter((c) => tables.includes(c.data_collection))
          .map((c) => [c.data_collection, c.event_count]),
      );
      ends.set(xidOf(payload.id), { events: Object.values(perTable).reduce((a, b) => a + b, 0), perTable });
      tryApply(xidOf(payload.id));
    } else if (payload.transaction?.id) {
      const id = xidOf(payload.transaction.id as string);
      const done = applied.get(id);
      if (done) done.late++;
      else {
        buffered.set(id, (buffered.get(id) ?? 0) + 1);
        tryApply(id);
      }
    }
  }
  return [...applied.values()];
}
