import { describe, expect, it } from 'vitest';
import { EVENT_ENVELOPE_BYTES } from '../src/model/event-size';
import { eventShapeChanges } from '../src/diff/event-shape-changes';
import { diffVariantCli, ENVIRONMENTS, objectsOf, ofKind, reconcileFile, reconcileTarget, render, renderVariant } from './helpers';

/**
 * What the change events carry, as rendered (the e2e's scenario 13 shows the real pipeline doing
 * it, and the live database tests the reconcile's guards): one event-size limit everywhere, exact
 * decimals, and the guards on every captured table.
 */
const connectorOf = (objects: ReturnType<typeof objectsOf>) => ofKind(objects, 'KafkaConnector')[0].spec.config;
const cdcTopics = (objects: ReturnType<typeof objectsOf>) => ofKind(objects, 'KafkaTopic').filter((t) => /\.public\./.test(t.spec.topicName));
const clientProperties = (objects: ReturnType<typeof objectsOf>) =>
  ofKind(objects, 'ConfigMap')
    .filter((m) => m.data?.['client.properties'])
    .map((m) =>
      Object.fromEntries(
        (m.data['client.properties'] as string)
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      ),
    );

/** Every place the limit reaches, as numbers: broker, topics, Connect's topic creation and producer, consumers, the database's trigger. */
function limitsOf(objects: ReturnType<typeof objectsOf>, target: Record<string, any>): number[] {
  const kafka = ofKind(objects, 'Kafka')[0].spec.kafka.config;
  const connect = ofKind(objects, 'KafkaConnect')[0].spec.config;
  const trigger = Number(target.guards.maxRowJsonBytes) + EVENT_ENVELOPE_BYTES;
  const consumers = clientProperties(objects).map((p) => Number(p['max.partition.fetch.bytes']));
  expect(consumers.length).toBeGreaterThan(0);
  return [
    kafka['message.max.bytes'],
    kafka['replica.fetch.max.bytes'],
    ...cdcTopics(objects).map((t) => Number(t.spec.config['max.message.bytes'])),
    connectorOf(objects)['topic.creation.default.max.message.bytes'],
    connect['producer.max.request.size'],
    ...consumers,
    trigger,
  ].map(Number);
}

describe('change events: one size limit, exact decimals, whole rows, no TRUNCATE', () => {
  it.each(ENVIRONMENTS)('%s: the brokers, topics, producer, consumers and the database all carry the same event-size limit (8 MiB by default)', (env) => {
    const rendered = render(env);
    const limits = limitsOf(objectsOf(rendered), reconcileTarget(rendered));
    expect(new Set(limits)).toEqual(new Set([8 * 1024 * 1024]));
  });

  it.each([1_048_576, 3_000_000, 67_108_864])('capture.maxEventBytes %i reaches every one of them', (bytes) => {
    const rendered = renderVariant('eks', (c) => {
      c.capture.maxEventBytes = bytes;
    });
    const objects = objectsOf(rendered);
    expect(new Set(limitsOf(objects, reconcileTarget(rendered)))).toEqual(new Set([bytes]));
    // The producer's buffer holds several of the largest requests.
    expect(ofKind(objects, 'KafkaConnect')[0].spec.config['producer.buffer.memory']).toBeGreaterThanOrEqual(4 * bytes);
  });

  it.each([
    [
      'kafka',
      (c: any) => {
        c.kafka.config['message.max.bytes'] = 1048588;
      },
      '/kafka/config/message.max.bytes',
    ],
    [
      'connect',
      (c: any) => {
        c.connect.config = { 'producer.max.request.size': 1048576 };
      },
      '/connect/config/producer.max.request.size',
    ],
    [
      'a consumer',
      (c: any) => {
        c.consumers[0].config = { 'max.partition.fetch.bytes': 1048576 };
      },
      '/consumers/0/config/max.partition.fetch.bytes',
    ],
    [
      'the connector',
      (c: any) => {
        c.connect.connector = { config: { 'decimal.handling.mode': 'precise' } };
      },
      '/connect/connector/config/decimal.handling.mode',
    ],
    [
      'the connector',
      (c: any) => {
        c.connect.connector = { config: { 'skipped.operations': 'none' } };
      },
      '/connect/connector/config/skipped.operations',
    ],
  ])('refuses an override in %s of what the capture section sets (%s)', (_, change, path) => {
    expect(() => renderVariant('eks', change)).toThrow(new RegExp(`${path.replaceAll('.', '\\.')} is set from capture\\.`));
  });

  it("refuses an event-size limit below Kafka's own default or above what a producer buffers", () => {
    expect(() =>
      renderVariant('eks', (c) => {
        c.capture.maxEventBytes = 1_000_000;
      }),
    ).toThrow(/\/capture\/maxEventBytes must be >= 1048576/);
    expect(() =>
      renderVariant('eks', (c) => {
        c.capture.maxEventBytes = 100_000_000;
      }),
    ).toThrow(/\/capture\/maxEventBytes must be <= 67108864/);
  });

  it.each(ENVIRONMENTS)('%s: decimals as exact strings, TRUNCATE skipped by Debezium and refused by the database, whole rows', (env) => {
    const rendered = render(env);
    const config = connectorOf(objectsOf(rendered));
    expect(config['decimal.handling.mode']).toBe('string');
    expect(config['skipped.operations']).toBe('t');
    // What the reconcile keeps on every captured table (the live database test proves it does).
    expect(reconcileTarget(rendered).guards).toEqual({ replicaIdentityFull: true, refuseTruncate: true, maxRowJsonBytes: 8 * 1024 * 1024 - EVENT_ENVELOPE_BYTES });
  });

  it('precise decimals are refused: base64 for JSON consumers, and a NaN in a NOT NULL column kills the task', () => {
    expect(() =>
      renderVariant('eks', (c) => {
        c.capture.decimalHandling = 'precise';
      }),
    ).toThrow(/\/capture\/decimalHandling must be one of "string", "double" \(precise is refused: JSON consumers get base64/);
    expect(
      connectorOf(
        objectsOf(
          renderVariant('eks', (c) => {
            c.capture.decimalHandling = 'double';
          }),
        ),
      )['decimal.handling.mode'],
    ).toBe('double');
  });

  it('capture.truncate: skip drops the trigger instead; capture.replicaIdentity: default leaves identities alone', () => {
    const rendered = renderVariant('eks', (c) => {
      c.capture.truncate = 'skip';
      c.capture.replicaIdentity = 'default';
    });
    expect(reconcileTarget(rendered).guards).toMatchObject({ replicaIdentityFull: false, refuseTruncate: false });
    // The SQL reads both: it drops the trigger where refuseTruncate is false, and without FULL an
    // update's event carries no old row, so only the new one counts.
    const sql = reconcileFile(rendered, 'reconcile.sql');
    expect(sql).toContain("EXECUTE format('DROP TRIGGER cdc8s_refuse_truncate ON %s', r.rel);");
    expect(sql).toContain(
      "CASE WHEN (t->'guards'->>'replicaIdentityFull')::boolean THEN ' + CASE WHEN TG_OP = ''UPDATE'' THEN octet_length(row_to_json(OLD)::text) ELSE 0 END' ELSE '' END",
    );
  });

  it('capture.transactionMetadata: Debezium writes BEGIN and END to its own topic, Connect may write it, and every consumer reads it', () => {
    const acls = (objects: ReturnType<typeof objectsOf>, user: string) => ofKind(objects, 'KafkaUser').find((u) => u.metadata.name === user)?.spec.authorization.acls ?? [];
    const onTopic = (objects: ReturnType<typeof objectsOf>, user: string, topic: string) =>
      acls(objects, user)
        .filter((a: any) => a.resource.type === 'topic' && a.resource.name === topic)
        .flatMap((a: any) => a.operations);
    const on = objectsOf(render('eks'));
    expect(connectorOf(on)['provide.transaction.metadata']).toBe(true);
    const topic = ofKind(on, 'KafkaTopic').find((t) => (t.spec.topicName ?? t.metadata.name) === 'cdc.transaction');
    // History only: compaction would keep every record for ever (no key repeats).
    expect(topic?.spec).toMatchObject({ partitions: 1, replicas: 3, config: { 'cleanup.policy': 'delete', 'min.insync.replicas': 2 } });
    expect(onTopic(on, 'cdc-connect', 'cdc.transaction').sort()).toEqual(['Describe', 'Write']);
    for (const consumer of ['ledger-projector', 'fraud-scorer']) {
      expect(onTopic(on, consumer, 'cdc.transaction').sort()).toEqual(['Describe', 'Read']);
      expect(
        ofKind(on, 'ConfigMap')
          .find((m) => m.metadata.name === `${consumer}-kafka-client`)
          ?.data.topics.split(','),
      ).toContain('cdc.transaction');
    }
    const off = objectsOf(render('minikube'));
    expect(connectorOf(off)['provide.transaction.metadata']).toBe(false);
    expect(JSON.stringify(off)).not.toContain('cdc.transaction');
  });

  it.each(ENVIRONMENTS)('%s: application sessions end an idle transaction after 60 s and a statement after 30 s', (env) => {
    const rendered = render(env);
    expect(reconcileTarget(rendered)).toMatchObject({ appUser: 'transactions_app', appSessionLimits: { idleInTransactionSeconds: 60, statementSeconds: 30 } });
    const sql = reconcileFile(rendered, 'reconcile.sql');
    expect(sql).toContain('ALTER ROLE :"app_user" SET idle_in_transaction_session_timeout = :\'idle_in_transaction_timeout\';');
    expect(sql).toContain('ALTER ROLE :"app_user" SET statement_timeout = :\'app_statement_timeout\';');
  });

  it('npm run diff names a change of what consumers read (decimal form, transaction records), and stays quiet otherwise', () => {
    const result = diffVariantCli('eks', (c) => {
      c.capture.decimalHandling = 'double';
      c.capture.transactionMetadata = false;
    });
    expect(result.stdout).toContain('cdc8s diff: the events consumers read change:');
    expect(result.stdout).toContain('eks: decimal.handling.mode string → double: every NUMERIC/DECIMAL field changes type');
    expect(result.stdout).toContain('eks: provide.transaction.metadata true → false: BEGIN/END records appear on (or vanish from) the transaction topic');
    expect(result.status).toBe(1);
    const current = objectsOf(render('eks'));
    expect(eventShapeChanges(current, current)).toEqual([]);
    expect(
      eventShapeChanges(
        current,
        objectsOf(
          renderVariant('eks', (c) => {
            c.capture.maxEventBytes = 1_048_576;
          }),
        ),
      ),
    ).toEqual([]);
  });
});
