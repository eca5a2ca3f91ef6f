import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, objectsOf, ofKind, render, renderVariant } from './helpers';

const cdcTopics = (objects: ReturnType<typeof objectsOf>) =>
  ofKind(objects, 'KafkaTopic').filter(
    (t) => t.metadata.labels?.['app.kubernetes.io/component'] === 'cdc-topic' && !String(t.spec.topicName ?? t.metadata.name).includes('heartbeat'),
  );

describe('CDC topics keep every row, so a consumer that starts late still reads whole tables', () => {
  it.each(ENVIRONMENTS)('%s: CDC topics are compacted by key (the default), and deletes leave tombstones', (env) => {
    const objects = objectsOf(render(env));
    const topics = cdcTopics(objects);
    expect(topics.length).toBeGreaterThan(0);
    for (const topic of topics) expect(topic.spec.config['cleanup.policy']).toBe('compact');
    const connector = ofKind(objects, 'KafkaConnector')[0].spec.config;
    expect(connector['tombstones.on.delete']).toBe(true);
    expect(connector['topic.creation.default.cleanup.policy']).toBe('compact');
  });

  it("capture.cleanupPolicy chooses it, for the topics and the connector's topic creation alike", () => {
    const objects = objectsOf(
      renderVariant('eks', (c) => {
        c.capture.cleanupPolicy = 'compact,delete';
      }),
    );
    for (const topic of cdcTopics(objects)) expect(topic.spec.config['cleanup.policy']).toBe('compact,delete');
    expect(ofKind(objects, 'KafkaConnector')[0].spec.config['topic.creation.default.cleanup.policy']).toBe('compact,delete');
  });

  it('refuses a policy Kafka does not know', () => {
    expect(() =>
      renderVariant('eks', (c) => {
        c.capture.cleanupPolicy = 'forever';
      }),
    ).toThrow(/\/capture\/cleanupPolicy must be one of/);
  });
});
