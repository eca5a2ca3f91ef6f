import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableOrSkip } from '../../test/helpers';
import { postgresAvailable } from '../../test/postgres-server';
import { missingToolchain } from '../harness/components';
import { Pipeline } from '../harness/pipeline';
import { eventually } from '../harness/process';
import { compare, decode, runWriters, TABLES_DDL, Workload } from '../harness/workload';

const ready = availableOrSkip(missingToolchain()) && postgresAvailable();

describe.runIf(ready)('snapshot, then stream: every row change arrives once, in order per key', () => {
  const pipeline = new Pipeline();
  const workload = new Workload();

  beforeAll(async () => {
    await pipeline.start();
    pipeline.sql(TABLES_DDL);
    pipeline.sql(workload.snapshotRows(1_000));
  });
  afterAll(() => pipeline.stop());

  it('10,000 concurrent inserts, updates and deletes after a 1,000-row snapshot reach a read_committed consumer exactly once', async () => {
    await pipeline.startConnector();
    const consumer = pipeline.startConsumer('ledger-projector');
    workload.stream(10_000, 4);
    await runWriters(workload.scripts, `host=127.0.0.1 port=${pipeline.postgres.port} dbname=transactions user=${pipeline.app.user}`, pipeline.app.password, 300_000);
    const expectedCount = [...workload.expected.values()].reduce((n, events) => n + events.length, 0);
    await eventually(() => consumer.records().length >= expectedCount, 300_000, () => `${consumer.records().length} of ${expectedCount} events consumed`);
    // Anything late (a duplicate) would arrive within a few polls.
    await new Promise((r) => setTimeout(r, 3_000));
    await consumer.stop();
    const events = decode(consumer.records());
    expect(compare(workload.expected, events).slice(0, 20)).toEqual([]);
    // The database agrees: every live row, at its version, and nothing else.
    const rows = pipeline.sql("SELECT 'accounts:' || id || '=' || version FROM public.accounts UNION ALL SELECT 'transactions:' || id || '=' || version FROM public.transactions ORDER BY 1").split('\n');
    expect(rows.sort()).toEqual([...workload.finalRows()].map(([k, v]) => `${k}=${v}`).sort());
    // Deletes became tombstones (tombstones.on.delete=true), kept by compaction.
    expect(events.filter((e) => e.event.op === 'tombstone').length).toBe(events.filter((e) => e.event.op === 'd').length);
  });
});
