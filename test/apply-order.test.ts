import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, objectsOf, parseYamlObjects, render } from './helpers';

const CLUSTER_SCOPED = new Set(['Namespace', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding']);

describe.each(ENVIRONMENTS)('%s: kubectl apply -f dist/%s/ works in file order', (name) => {
  const rendered = render(name);
  const manifestFiles = [...rendered.files.keys()].filter((p) => p.startsWith(`${name}/`) && p.endsWith('.yaml')).sort();
  const objects = objectsOf(rendered);

  it('applies namespaces, Postgres, Kafka, topics/users, Connect, connector, API, consumers — in that order', () => {
    expect(manifestFiles.map((p) => p.slice(name.length + 1))).toEqual([
      '00-namespaces.yaml',
      '10-postgres.yaml',
      '20-kafka.yaml',
      '30-topics-users.yaml',
      '40-connect.yaml',
      '50-connector.yaml',
      '60-api.yaml',
      '70-consumers.yaml',
      // PodMonitors, alerts and dashboards: only with observability on (eks and gke by default).
      ...(rendered.env.config.observability.enabled ? ['80-monitoring.yaml'] : []),
    ]);
    const kindsIn = (file: string) => new Set(parseYamlObjects(rendered.files.get(`${name}/${file}`) as string).map((o) => o.kind));
    expect(parseYamlObjects(rendered.files.get(manifestFiles[0]) as string).filter((o) => o.kind === 'Namespace')).toHaveLength(3);
    expect(kindsIn('10-postgres.yaml')).toContain('StatefulSet');
    // With observability, the JMX exporter's rules (a ConfigMap) go with the Kafka that reads them.
    expect([...kindsIn('20-kafka.yaml')].sort()).toEqual([...(rendered.env.config.observability.enabled ? ['ConfigMap'] : []), 'Kafka', 'KafkaNodePool', 'NetworkPolicy']);
    expect([...kindsIn('30-topics-users.yaml')].sort()).toEqual(['KafkaTopic', 'KafkaUser']);
    expect(kindsIn('40-connect.yaml')).toContain('KafkaConnect');
    expect([...kindsIn('50-connector.yaml')]).toEqual(['KafkaConnector']);
    expect(kindsIn('70-consumers.yaml')).toContain('Deployment');
  });

  it('declares every Strimzi resource after the one it belongs to', () => {
    const position = (kind: string, ns: string | undefined, resource: string) =>
      objects.findIndex((o) => o.kind === kind && o.metadata.name === resource && o.metadata.namespace === ns);
    const owned = objects.filter((o) => ['KafkaNodePool', 'KafkaTopic', 'KafkaUser', 'KafkaConnector'].includes(o.kind));
    expect(owned.length).toBeGreaterThan(0);
    for (const o of owned) {
      const ownerKind = o.kind === 'KafkaConnector' ? 'KafkaConnect' : 'Kafka';
      const owner = position(ownerKind, o.metadata.namespace, o.metadata.labels?.['strimzi.io/cluster'] as string);
      const mine = objects.indexOf(o);
      // Node pools sit beside their Kafka in one file; everything else comes after its owner.
      expect(owner, `${o.kind} ${o.metadata.name}: its ${ownerKind}`).toBeGreaterThanOrEqual(0);
      expect(owner, `${o.kind} ${o.metadata.name}`).toBeLessThan(mine);
    }
    for (const connect of objects.filter((o) => o.kind === 'KafkaConnect')) {
      const user = position('KafkaUser', connect.metadata.namespace, connect.spec.authentication.username);
      expect(user, 'KafkaConnect authenticates as a KafkaUser declared before it').toBeGreaterThanOrEqual(0);
      expect(user).toBeLessThan(objects.indexOf(connect));
    }
  });

  it('creates every namespace before anything is put in it', () => {
    const declared = new Set(
      parseYamlObjects(rendered.files.get(manifestFiles[0]) as string)
        .filter((o) => o.kind === 'Namespace')
        .map((o) => o.metadata.name),
    );
    const used = new Set(objects.map((o) => o.metadata.namespace).filter(Boolean));
    for (const ns of used) expect(declared).toContain(ns);
  });

  it('puts no namespace on cluster-scoped objects and a namespace on all others', () => {
    for (const o of objects) {
      if (CLUSTER_SCOPED.has(o.kind)) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBeUndefined();
      else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBeTruthy();
    }
  });

  it('places each Secret source before the workload that mounts it', () => {
    const index = (kind: string, ns: string) => objects.findIndex((o) => o.kind === kind && o.metadata.namespace === ns);
    const externals = objects.filter((o) => o.kind === 'ExternalSecret');
    for (const e of externals) {
      const workload = Math.max(index('StatefulSet', e.metadata.namespace as string), index('Deployment', e.metadata.namespace as string));
      // The Connect build's push Secret has no workload of ours: Strimzi's build pod reads it.
      if (workload >= 0) expect(objects.indexOf(e)).toBeLessThan(workload);
    }
  });

  it('labels namespaces for Pod Security Admission: restricted where our pods run', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    const level = (plane: string) => namespaces.find((n) => n.metadata.labels?.['cdc8s.io/plane'] === plane)?.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    expect(level('data')).toBe('restricted');
    expect(level('apps')).toBe('restricted');
    expect(level('streaming')).toBe(objects.some((o) => o.kind === 'KafkaConnect' && o.spec.build) ? 'baseline' : 'restricted');
  });
});
