import { describe, expect, it } from 'vitest';
import { PolicyError } from '../src/policy';
import { RenderedObject, objectsOf, ofKind, RawConfig, renderVariant } from './helpers';

/** Every place replication is set: broker defaults, every KafkaTopic, Connect's internal topics, the connector's topic creation. */
function replicationEverywhere(objects: RenderedObject[]): { factors: number[]; minIsr: number[] } {
  const broker = ofKind(objects, 'Kafka')[0].spec.kafka.config;
  const connect = ofKind(objects, 'KafkaConnect')[0].spec.config;
  const connector = ofKind(objects, 'KafkaConnector')[0].spec.config;
  const topics = ofKind(objects, 'KafkaTopic');
  return {
    factors: [
      broker['default.replication.factor'],
      broker['offsets.topic.replication.factor'],
      broker['transaction.state.log.replication.factor'],
      ...topics.map((t) => t.spec.replicas),
      connect['config.storage.replication.factor'],
      connect['offset.storage.replication.factor'],
      connect['status.storage.replication.factor'],
      connector['topic.creation.default.replication.factor'],
    ].map(Number),
    minIsr: [
      broker['min.insync.replicas'],
      broker['transaction.state.log.min.isr'],
      ...topics.map((t) => t.spec.config['min.insync.replicas']),
      connector['topic.creation.default.min.insync.replicas'],
    ].map(Number),
  };
}

const fiveBrokers = (c: RawConfig) => {
  c.kafka.brokers.replicas = 5;
};

describe('raising durability in kafka.config raises it on every object, not only the broker defaults', () => {
  it("min.insync.replicas 3 reaches every topic, the broker defaults and the connector's topic creation", () => {
    const objects = objectsOf(
      renderVariant('eks', (c) => {
        fiveBrokers(c);
        c.kafka.config['default.replication.factor'] = 4;
        c.kafka.config['min.insync.replicas'] = 3;
      }),
    );
    const { factors, minIsr } = replicationEverywhere(objects);
    expect(new Set(minIsr)).toEqual(new Set([3]));
    expect(new Set(factors)).toEqual(new Set([4]));
  });

  it('default.replication.factor alone raises every replication factor and keeps min ISR 2', () => {
    const { factors, minIsr } = replicationEverywhere(
      objectsOf(
        renderVariant('eks', (c) => {
          fiveBrokers(c);
          c.kafka.config['default.replication.factor'] = 5;
        }),
      ),
    );
    expect(new Set(factors)).toEqual(new Set([5]));
    expect(new Set(minIsr)).toEqual(new Set([2]));
  });

  it('without overrides, everything is at the full level (RF 3, min ISR 2)', () => {
    const { factors, minIsr } = replicationEverywhere(objectsOf(renderVariant('eks', () => undefined)));
    expect(new Set(factors)).toEqual(new Set([3]));
    expect(new Set(minIsr)).toEqual(new Set([2]));
  });

  it.each([
    ['min.insync.replicas', 1, 'topic-min-insync-replicas'],
    ['default.replication.factor', 2, 'topic-replicas'],
  ])('lowering %s to %s fails the synth (%s)', (key, value, rule) => {
    let error: unknown;
    try {
      renderVariant('eks', (c) => {
        c.kafka.config[key] = value;
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).violations.map((v) => v.rule)).toContain(rule);
  });
});
