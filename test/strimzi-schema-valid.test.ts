import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, lazy, objectsOf, render } from './helpers';
import { crdsAvailable, strimziSchemas } from './strimzi-crds';

const STRIMZI_KINDS = ['Kafka', 'KafkaNodePool', 'KafkaTopic', 'KafkaUser', 'KafkaConnect', 'KafkaConnector'];

describe.runIf(crdsAvailable())('every Strimzi object is valid against the Strimzi 1.2.0 CRDs (unknown fields rejected)', () => {
  // Loaded when a test runs: a skipped suite is still collected, and its files may not exist.
  const schemas = lazy(strimziSchemas);

  it.each(ENVIRONMENTS)('%s', (name) => {
    const strimzi = objectsOf(render(name)).filter((o) => o.apiVersion.startsWith('kafka.strimzi.io/'));
    expect(new Set(strimzi.map((o) => o.kind))).toEqual(new Set(STRIMZI_KINDS));
    const problems: string[] = [];
    for (const o of strimzi) {
      const label = `${o.kind}/${o.metadata.name}`;
      const validate = schemas().validatorFor(o.apiVersion, o.kind);
      if (!validate) problems.push(`${o.apiVersion} ${o.kind} is not served by Strimzi 1.2.0`);
      else if (!validate(o)) problems.push(...(validate.errors ?? []).map((e) => `${label}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
    }
    expect(problems).toEqual([]);
  });

  it('serves kafka.strimzi.io/v1 only, so a v1beta2 object could not be applied', () => {
    for (const kind of STRIMZI_KINDS) expect(schemas().servedVersions(kind)).toEqual(['kafka.strimzi.io/v1']);
  });

  it('rejects an unknown field and v1beta2-era fields (spec.kafka.replicas, spec.zookeeper)', () => {
    const kafka = objectsOf(render('eks')).find((o) => o.kind === 'Kafka');
    const validate = schemas().validatorFor('kafka.strimzi.io/v1', 'Kafka');
    expect(validate?.(kafka)).toBe(true);
    expect(validate?.({ ...kafka, spec: { ...kafka?.spec, zookeeper: { replicas: 3 } } })).toBe(false);
    expect(validate?.({ ...kafka, spec: { ...kafka?.spec, kafka: { ...kafka?.spec.kafka, replicas: 3 } } })).toBe(false);
    const connector = objectsOf(render('eks')).find((o) => o.kind === 'KafkaConnector');
    expect(schemas().validatorFor('kafka.strimzi.io/v1', 'KafkaConnector')?.({ ...connector, spec: { ...connector?.spec, pause: true } })).toBe(false);
  });
});
