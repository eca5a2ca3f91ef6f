import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkPolicy, POLICY_RULES, PolicyError, PolicyRule } from '../src/policy';
import { FULL_DURABILITY } from '../src/model/durability';
import { cli, copyOfDist, ENVIRONMENTS, objectsOf, RawConfig, rawConfig, render, renderVariant, snapshotTree, tempDir } from './helpers';
import { RenderedObject } from '../src/model/rendered-object';

/** Breaking a rule from an environment file: the overrides users have (kafka.config, connect.config, …). */
const CONFIG_BREAKERS: Partial<Record<PolicyRule, (c: RawConfig) => void>> = {
  'broker-default-replication-factor': (c) => kafkaConfig(c, 'default.replication.factor', 2),
  'broker-min-insync-replicas': (c) => kafkaConfig(c, 'min.insync.replicas', 1),
  'broker-offsets-topic-replication': (c) => kafkaConfig(c, 'offsets.topic.replication.factor', 1),
  'broker-transaction-log-replication': (c) => kafkaConfig(c, 'transaction.state.log.replication.factor', 2),
  'broker-transaction-log-min-isr': (c) => kafkaConfig(c, 'transaction.state.log.min.isr', 1),
  'broker-no-unclean-leader-election': (c) => kafkaConfig(c, 'unclean.leader.election.enable', true),
  'broker-no-auto-create-topics': (c) => kafkaConfig(c, 'auto.create.topics.enable', true),
  'connect-internal-topic-replication': (c) => connectConfig(c, 'offset.storage.replication.factor', -1),
  'connect-exactly-once-source': (c) => connectConfig(c, 'exactly.once.source.support', 'disabled'),
  'connect-producer-acks': (c) => connectConfig(c, 'producer.acks', '1'),
  'connect-producer-idempotence': (c) => connectConfig(c, 'producer.enable.idempotence', false),
  'connect-consumer-read-committed': (c) => connectConfig(c, 'consumer.isolation.level', 'read_uncommitted'),
  'connect-no-connector-client-overrides': (c) => connectConfig(c, 'connector.client.config.override.policy', 'All'),
  'connect-narrow-config-providers': (c) => connectConfig(c, 'config.providers.strimzienv.param.allowlist.pattern', '.*'),
  'connector-exactly-once-required': (c) => connectorConfig(c, 'exactly.once.support', 'requested'),
  'connector-topic-creation-replication': (c) => connectorConfig(c, 'topic.creation.default.replication.factor', 1),
  'consumer-manual-commit': (c) => consumerConfig(c, 'enable.auto.commit', true),
  'consumer-read-committed': (c) => consumerConfig(c, 'isolation.level', 'read_uncommitted'),
  'strimzi-managed-key': (c) => kafkaConfig(c, 'listeners', 'PLAINTEXT://:9092'),
};

/** Rules no config field reaches (the constructs take the value from the durability settings): broken in the objects. */
const OBJECT_BREAKERS: Partial<Record<PolicyRule, (objects: RenderedObject[]) => void>> = {
  'broker-count': (objects) => {
    first(objects, 'KafkaNodePool', (o) => o.spec.roles.includes('broker')).spec.replicas = 2;
  },
  'topic-replicas': (objects) => {
    first(objects, 'KafkaTopic').spec.replicas = 2;
  },
  'topic-min-insync-replicas': (objects) => {
    first(objects, 'KafkaTopic').spec.config['min.insync.replicas'] = 1;
  },
  // The config loader already refuses literal credentials (config-validation fixtures); the policy is the backstop.
  'no-plaintext-password': (objects) => {
    first(objects, 'KafkaConnector').spec.config['database.password'] = 'hunter2';
  },
};

function kafkaConfig(c: RawConfig, key: string, value: unknown): void {
  c.kafka.config = { ...c.kafka.config, [key]: value };
}
function connectConfig(c: RawConfig, key: string, value: unknown): void {
  c.connect.config = { ...c.connect.config, [key]: value };
}
function connectorConfig(c: RawConfig, key: string, value: unknown): void {
  c.connect.connector = { ...c.connect.connector, config: { ...c.connect.connector?.config, [key]: value } };
}
function consumerConfig(c: RawConfig, key: string, value: unknown): void {
  c.consumers[0].config = { ...c.consumers[0].config, [key]: value };
}
function first(objects: RenderedObject[], kind: string, where: (o: RenderedObject) => boolean = () => true): RenderedObject {
  const found = objects.find((o) => o.kind === kind && where(o));
  if (!found) throw new Error(`no ${kind}`);
  return found;
}

function synthError(name: string, change: (c: RawConfig) => void): PolicyError {
  try {
    renderVariant(name, change);
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('the synth succeeded');
}

describe('every policy rule has a test that breaks it', () => {
  it('each rule is broken by a config change or an object change below', () => {
    const covered = new Set([...Object.keys(CONFIG_BREAKERS), ...Object.keys(OBJECT_BREAKERS)]);
    expect(POLICY_RULES.filter((rule) => !covered.has(rule))).toEqual([]);
  });
});

describe.each(ENVIRONMENTS)('%s: the durability policy', (name) => {
  it('passes the shipped config with full durability and no warning', () => {
    const rendered = render(name);
    expect(rendered.warnings).toEqual([]);
    expect(checkPolicy(objectsOf(rendered) as RenderedObject[], FULL_DURABILITY)).toEqual([]);
  });

  it.each(Object.entries(CONFIG_BREAKERS))('fails the synth when %s is broken from the environment file', (rule, change) => {
    const error = synthError(name, change);
    expect(error.violations.map((v) => v.rule)).toContain(rule);
    expect(error.message).toContain(`environments/${name}.yaml: policy rule ${rule}: `);
  });

  it.each(Object.entries(OBJECT_BREAKERS))('reports %s when a construct emits a weaker object', (rule, change) => {
    const objects = objectsOf(render(name));
    change(objects);
    const violations = checkPolicy(objects as RenderedObject[], FULL_DURABILITY);
    expect(violations.map((v) => v.rule)).toEqual([rule]);
    expect(violations[0].object).toMatch(/^Kafka(NodePool|Topic|Connector)? cdc-streaming\//);
  });

  it('rejects keys Strimzi would silently drop, in Connect and connector config too', () => {
    expect(synthError(name, (c) => connectConfig(c, 'bootstrap.servers', 'elsewhere:9092')).message).toContain('strimzi-managed-key');
    expect(synthError(name, (c) => connectorConfig(c, 'tasks.max', 4)).message).toContain('strimzi-managed-key');
    // Strimzi's documented exceptions pass.
    expect(() => renderVariant(name, (c) => kafkaConfig(c, 'ssl.cipher.suites', 'TLS_AES_256_GCM_SHA384'))).not.toThrow();
  });

  it('accepts stricter settings than the defaults', () => {
    expect(() => renderVariant(name, (c) => kafkaConfig(c, 'min.insync.replicas', 3))).not.toThrow();
  });
});

describe('reduced durability is an explicit, visible opt-in', () => {
  const laptop = (c: RawConfig) => {
    c.kafka.durability = 'reduced';
    c.kafka.brokers.replicas = 1;
  };

  it('one broker without the opt-in is a config error naming the field and the way out', () => {
    expect(() =>
      renderVariant('minikube', (c) => {
        c.kafka.brokers.replicas = 1;
      }),
    ).toThrow(
      'environments/minikube.yaml: /kafka/brokers/replicas must be >= 3, got 1 (replication factor 3 with min.insync.replicas 2 needs three brokers; set kafka.durability: reduced',
    );
  });

  it('with the opt-in, replication follows the broker count and everything else stays strict', () => {
    const rendered = renderVariant('minikube', laptop);
    const objects = objectsOf(rendered);
    expect(rendered.warnings.join('\n')).toMatch(/warning: kafka.durability is reduced: replication factor 1, min.insync.replicas 1/);
    for (const topic of objects.filter((o) => o.kind === 'KafkaTopic')) expect(topic.spec.replicas).toBe(1);
    const connect = first(objects, 'KafkaConnect');
    expect(connect.spec.config['producer.acks']).toBe('all');
    expect(connect.spec.config['exactly.once.source.support']).toBe('enabled');
  });

  it('the synth prints the warning and still writes', () => {
    const dir = tempDir();
    const config = join(dir, 'laptop.yaml');
    const raw = renderVariantSource(laptop);
    writeFileSync(config, raw);
    const out = join(dir, 'out');
    const result = cli('synth', ['--config', config, '--out', out]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('warning: kafka.durability is reduced');
    expect(Object.keys(snapshotTree(out))).toContain('laptop/20-kafka.yaml');
  });

  it('reduced with three brokers is rejected: it would change nothing', () => {
    expect(() =>
      renderVariant('minikube', (c) => {
        c.kafka.durability = 'reduced';
      }),
    ).toThrow('/kafka/durability must be full with 3 brokers');
  });
});

describe('a broken rule stops the synth command cleanly', () => {
  it('exits 1, names the file, rule and object on one line, and writes nothing', () => {
    const dir = tempDir();
    const config = join(dir, 'eks.yaml');
    writeFileSync(
      config,
      renderVariantSource((c) => kafkaConfig(c, 'unclean.leader.election.enable', true), 'eks'),
    );
    const out = copyOfDist();
    const before = snapshotTree(out);
    const result = cli('synth', ['--config', config, '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `${config}: policy rule broker-no-unclean-leader-election: Kafka cdc-streaming/cdc: spec.kafka.config["unclean.leader.election.enable"] is true, must be false`,
    );
    expect(snapshotTree(out)).toEqual(before);
  });
});

/** A shipped environment's file with a change, as YAML text (for the CLI tests). */
function renderVariantSource(change: (c: RawConfig) => void, name = 'minikube'): string {
  const config = rawConfig(name);
  change(config);
  return stringify(config);
}
