import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, objectsOf, parseYamlObjects, render } from './helpers';

const CLUSTER_SCOPED = new Set(['Namespace', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding']);

describe.each(ENVIRONMENTS)('%s: kubectl apply -f dist/%s/ works in file order', (name) => {
  const rendered = render(name);
  const manifestFiles = [...rendered.files.keys()].filter((p) => p.startsWith(`${name}/`) && p.endsWith('.yaml')).sort();
  const objects = objectsOf(rendered);

  it('applies namespaces first, then Postgres, then the API', () => {
    expect(manifestFiles.map((p) => p.slice(name.length + 1))).toEqual(['00-namespaces.yaml', '10-postgres.yaml', '60-api.yaml']);
    const first = parseYamlObjects(rendered.files.get(manifestFiles[0]) as string);
    expect(first.filter((o) => o.kind === 'Namespace')).toHaveLength(3);
  });

  it('creates every namespace before anything is put in it', () => {
    const declared = new Set(parseYamlObjects(rendered.files.get(manifestFiles[0]) as string).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
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
      expect(objects.indexOf(e)).toBeLessThan(workload);
    }
  });

  it('labels namespaces for Pod Security Admission: restricted where our pods run', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    const level = (plane: string) => namespaces.find((n) => n.metadata.labels?.['cdc8s.io/plane'] === plane)?.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    expect(level('data')).toBe('restricted');
    expect(level('apps')).toBe('restricted');
    expect(level('streaming')).toBe('baseline');
  });
});
