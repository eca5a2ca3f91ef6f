import { describe, expect, it } from 'vitest';
import { addedTablesSignal } from '../src/diff/snapshot-signals';
import { diffVariantCli, objectsOf, render, renderVariant } from './helpers';

describe('npm run diff: a newly captured table needs an incremental snapshot, and says how', () => {
  it('prints the signal for exactly the added tables, as a command for the database pod', () => {
    const result = diffVariantCli('eks', (config) => {
      config.capture.tables.push({ schema: 'ledger', table: 'payouts' });
    });
    expect(result.stderr).not.toContain('Error');
    expect(result.stdout).toContain('eks: newly captured ledger.payouts: rows they already hold reach Kafka only through an incremental snapshot.');
    expect(result.stdout).toContain(
      `kubectl exec -n cdc-data postgres-0 -c postgres -- psql -v ON_ERROR_STOP=1 -d transactions -c "INSERT INTO cdc8s.debezium_signal (id, type, data) VALUES (gen_random_uuid()::text, 'execute-snapshot', '{\\"data-collections\\":[\\"ledger.payouts\\"],\\"type\\":\\"incremental\\"}')"`,
    );
    // Differences, not a refusal.
    expect(result.status).toBe(1);
  });

  it('says nothing when no table is added (removed, or unchanged)', () => {
    const removed = diffVariantCli('eks', (config) => {
      config.capture.tables.pop();
    });
    expect(removed.stdout).not.toContain('snapshot needed');
    const current = objectsOf(render('eks'));
    expect(addedTablesSignal(current, current)).toBeUndefined();
  });

  it('names the signal table and database the connector and reconcile use', () => {
    const added = objectsOf(
      renderVariant('eks', (config) => {
        config.capture.tables.push({ schema: 'public', table: 'refunds' });
        config.capture.signalTable = { schema: 'ops', table: 'signals' };
      }),
    );
    const signal = addedTablesSignal(objectsOf(render('eks')), added);
    expect(signal?.tables).toEqual(['public.refunds']);
    expect(signal?.sql).toBe(
      `INSERT INTO ops.signals (id, type, data) VALUES (gen_random_uuid()::text, 'execute-snapshot', '{"data-collections":["public.refunds"],"type":"incremental"}')`,
    );
  });
});
