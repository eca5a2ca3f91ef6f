import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, RenderedObject, objectsOf, ofKind, render, renderVariant } from './helpers';

const restartHash = (objects: RenderedObject[], name: string) =>
  ofKind(objects, 'Deployment').find((d) => d.metadata.name === name)?.spec.template.metadata.annotations['cdc8s.io/client-config-sha256'];

describe('consumers get their Kafka credentials and the cluster CA declaratively, kept current by an operator', () => {
  it.each(ENVIRONMENTS)('%s: one KafkaAccess per consumer, in its namespace, for its own KafkaUser on the TLS listener', (env) => {
    const objects = objectsOf(render(env));
    const consumers = ofKind(objects, 'Deployment').filter((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'consumer');
    const accesses = ofKind(objects, 'KafkaAccess');
    expect(accesses).toHaveLength(consumers.length);
    for (const d of consumers) {
      const secretName = d.spec.template.spec.volumes.find((v: RenderedObject) => v.name === 'kafka-access').secret.secretName;
      const access = accesses.find((a) => a.metadata.name === secretName) as RenderedObject;
      expect(access.metadata.namespace).toBe(d.metadata.namespace);
      expect(ofKind(objects, 'KafkaUser').map((u) => u.metadata.name)).toContain(access.spec.user.name);
      expect(access.spec.user.name).toBe(d.metadata.name);
    }
  });

  it.each(ENVIRONMENTS)("%s: no Secret has to be copied by hand (nothing references a copy of Strimzi's Secrets)", (env) => {
    const objects = objectsOf(render(env));
    const mounted = ofKind(objects, 'Deployment').flatMap((d) =>
      d.spec.template.spec.volumes.filter((v: RenderedObject) => v.secret).map((v: RenderedObject) => v.secret.secretName),
    );
    expect(mounted).not.toContain('cdc-cluster-ca-cert');
  });

  it('a consumer given another table restarts (its topics feed the restart hash, not only client.properties)', () => {
    const before = objectsOf(render('eks'));
    const after = objectsOf(
      renderVariant('eks', (c) => {
        c.consumers[1].tables = ['public.transactions', 'public.accounts'];
      }),
    );
    expect(restartHash(after, 'fraud-scorer')).not.toBe(restartHash(before, 'fraud-scorer'));
    expect(restartHash(after, 'ledger-projector')).toBe(restartHash(before, 'ledger-projector'));
  });
});
