import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
