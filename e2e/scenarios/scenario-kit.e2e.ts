import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../test/helpers';
import { availableOrSkip } from '../harness/available';
import { missingToolchain } from '../harness/components';
import { ConsumedRecord, Pipeline, pipelinePostgresAvailable } from '../harness/pipeline';
import { eventually } from '../harness/process';
import { TABLES_DDL } from '../harness/workload';

/**
 * What a new scenario can build on, each shown on the rendered pipeline: a table of its own
 * (captured besides the file's), a long-lived SQL session, a connector start that blocks, reads by
 * offset range with the records' headers, and topic config changes. Its own cluster: nothing here
 * depends on the data-plane file's state.
 */
const ready = availableOrSkip(missingToolchain()) && pipelinePostgresAvailable();
const TABLE = 'public.kit_orders';
const TOPIC = 'cdc.public.kit_orders';

describe.runIf(ready)('a scenario on the rendered pipeline', () => {
  const pipeline = new Pipeline({ extraTables: [TABLE] });

  /** Every record of the scenario table's topic, all partitions, read_committed. */
  const topicRecords = (): ConsumedRecord[] => {
    const partitions = pipeline.rendered.topic(TOPIC).spec.partitions as number;
    return Array.from({ length: partitions }, (_, p) => pipeline.clients.read(TOPIC, p)).flat();
  };
  const ids = (records: readonly ConsumedRecord[]) =>
    records
      .filter((r) => r.value !== null)
      .map((r) => JSON.parse(r.value as string).payload.after?.id)
      .sort((a, b) => a - b);

  beforeAll(async () => {
    await pipeline.start();
    pipeline.db.sql(`${TABLES_DDL}\nCREATE TABLE ${TABLE} (id bigint PRIMARY KEY, note text NOT NULL);`);
    await pipeline.db.published();
  });
  afterAll(() => pipeline.stop());

  it("a connector's first start blocks while a transaction older than its slot is open, runs once it commits, and snapshots the transaction's row", async () => {
    const session = pipeline.db.session();
    await session.run(`BEGIN; INSERT INTO ${TABLE} (id, note) VALUES (1, 'open before the slot');`);
    await pipeline.createConnector();
    // Logical decoding needs a consistent point: creating the slot waits on every running transaction's lock.
    const waiting = `SELECT count(*) FROM pg_stat_activity WHERE usename = 'debezium' AND wait_event_type = 'Lock' AND wait_event = 'transactionid'`;
    await eventually(
      () => pipeline.db.server.superuser(waiting) === '1',
      90_000,
      () =>
        `Debezium is not waiting on the open transaction: ${pipeline.db.server.superuser("SELECT string_agg(coalesce(wait_event, '-') || ' ' || left(query, 60), '; ') FROM pg_stat_activity WHERE usename = 'debezium'")}`,
      1_000,
    );
    expect(pipeline.db.sql(`SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${pipeline.db.slotName}' AND confirmed_flush_lsn IS NOT NULL`)).toBe('0');
    expect(await session.run('SELECT txid_current_if_assigned() IS NOT NULL')).toBe('t');
    await session.run('COMMIT');
    await pipeline.connector.waitRunning();
    await eventually(
      () => ids(topicRecords()).includes(1),
      120_000,
      () => `row 1 is not on ${TOPIC}: ${JSON.stringify(ids(topicRecords()))}`,
      2_000,
    );
  });

  it("reading a partition by offset range gives exactly the records at those offsets, with their headers: Debezium's context, naming the connector and its run", async () => {
    const session = pipeline.db.session();
    await session.run(`BEGIN; INSERT INTO ${TABLE} (id, note) SELECT g, 'row ' || g FROM generate_series(2, 41) g; COMMIT;`);
    await eventually(
      () => ids(topicRecords()).length === 41,
      120_000,
      () => `${ids(topicRecords()).length} of 41 rows on ${TOPIC}`,
      2_000,
    );
    const all = topicRecords();
    expect(ids(all)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    const busiest = all.filter((r) => r.partition === all[0].partition);
    expect(busiest.length).toBeGreaterThan(2);
    const middle = pipeline.clients.read(TOPIC, busiest[1].partition, busiest[1].offset, busiest[2].offset + 1);
    expect(middle.map((r) => [r.offset, r.key, r.value])).toEqual(busiest.slice(1, 3).map((r) => [r.offset, r.key, r.value]));
    // Debezium's context headers (extended.headers.enabled, on by default) name the connector and its
    // run; everything a consumer applies is in the key and value.
    const prefix = pipeline.rendered.of('KafkaConnector').spec.config['topic.prefix'];
    for (const record of all) {
      expect(Object.keys(record.headers).sort()).toEqual(['connectorLogicalName', 'connectorName', 'runId', 'taskId'].map((k) => `__debezium.context.${k}`));
      expect(record.headers).toMatchObject({
        '__debezium.context.connectorLogicalName': prefix,
        '__debezium.context.connectorName': 'postgresql',
        '__debezium.context.taskId': '0',
      });
    }
  });

  it("a topic config change reaches the broker as the topic operator applies it, and the rendered KafkaTopic's config is what the broker holds", () => {
    const rendered = Object.fromEntries(Object.entries(pipeline.rendered.topic(TOPIC).spec.config).map(([k, v]) => [k, String(v)]));
    expect(pipeline.kafka.topicConfig(TOPIC)).toEqual(rendered);
    pipeline.kafka.alterTopicConfig(TOPIC, { 'retention.ms': '3600000', 'cleanup.policy': 'compact,delete' });
    expect(pipeline.kafka.topicConfig(TOPIC)).toEqual({ ...rendered, 'retention.ms': '3600000', 'cleanup.policy': 'compact,delete' });
    pipeline.kafka.alterTopicConfig(TOPIC, { 'retention.ms': '', 'cleanup.policy': rendered['cleanup.policy'] });
    expect(pipeline.kafka.topicConfig(TOPIC)).toEqual(rendered);
  });

  it("the README's check: its SQL, as printed, on the rendered pipeline; the slot passes the insert within a minute, and the event is on the topic", async () => {
    // Each `-c` of the README's check block, in order (kubectl exec runs psql as the container's user: the superuser).
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf('### Check that it worked'), readme.indexOf('## Make it yours'));
    const [create, insert, position] = block
      .split('\n')
      .filter((line) => line.startsWith('kubectl exec -n cdc-data postgres-0'))
      .map((line) => [...line.matchAll(/ -c "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]));
    expect([create.length, insert.length, position.length]).toEqual([1, 2, 1]);
    pipeline.db.server.superuser(create[0]);
    // Twice: the check can be run again (the row is updated, another event).
    for (const round of [1, 2]) {
      pipeline.db.server.superuser(insert[0]);
      const inserted = pipeline.db.server.superuser(insert[1]);
      const passed = () => pipeline.db.server.superuser(`SELECT '${pipeline.db.server.superuser(position[0])}'::pg_lsn >= '${inserted}'::pg_lsn`) === 't';
      await eventually(passed, 60_000, () => `round ${round}: the slot did not pass ${inserted} within a minute (${pipeline.db.server.superuser(position[0])})`, 1_000);
    }
    const topic = 'cdc.public.transactions';
    const partitions = pipeline.rendered.topic(topic).spec.partitions as number;
    const events = Array.from({ length: partitions }, (_, p) => pipeline.clients.read(topic, p))
      .flat()
      .filter((r) => r.value !== null)
      .map((r) => JSON.parse(r.value as string).payload)
      .filter((e) => e.after?.id === 1 && e.after?.amount === 4200);
    // The insert and the update of the second round, in order.
    const versions = events.map((e) => e.after.version as number);
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(versions.at(-1)).toBe((versions.at(-2) as number) + 1);
  });
});
