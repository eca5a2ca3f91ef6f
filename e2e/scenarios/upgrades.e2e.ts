import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffValues } from '../../src/diff/object-diff';
import { replacementFor } from '../../src/diff/immutable-fields';
import { distManifests, objectsOf, type RawConfig, renderVariant } from '../../test/helpers';
import { availableOrSkip } from '../harness/available';
import { buildKube, KubeServer, missingCrds, missingGo, SHARED_CRDS } from '../harness/kube';
import { contains, valueAt } from '../harness/object-paths';
import { apiGroupOf, RenderedObject } from '../../src/model/rendered-object';

/**
 * Upgrades on a real Kubernetes 1.35 API server: an older output applied, then the current one,
 * and single field changes; every field `npm run diff` marks `needs replacement` is one the
 * server refuses (or silently keeps), and every one it refuses is marked. No kube-controller-
 * manager runs, so the harness binds each claim as the volume binder would (status Bound).
 */
const ready = availableOrSkip(missingGo()) && availableOrSkip(missingCrds());

const keyOf = (o: RenderedObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** The fields of `after` that a live cluster cannot change in place, by our rules (what `npm run diff` marks). */
function marked(before: RenderedObject, after: RenderedObject): string[] {
  return diffValues('', before as any, after as any)
    .filter((f) => replacementFor(f, before as unknown as RenderedObject, after as unknown as RenderedObject))
    .map((f) => f.path);
}

/** The previous release of an environment: an older API, other replica counts, volumes 1Gi smaller (growing them is allowed). */
function previousRelease(config: RawConfig): void {
  const smaller = (size: string) => `${Number.parseInt(size, 10) - 1}${size.replace(/^\d+/, '')}`;
  config.api.replicas += 1;
  config.api.image.tag = '1.4.1';
  for (const consumer of config.consumers) consumer.replicas += 1;
  config.postgres.storage.size = smaller(config.postgres.storage.size);
  if (config.kafka.brokers.storage) config.kafka.brokers.storage.size = smaller(config.kafka.brokers.storage.size);
  config.connect.replicas += 1;
}

describe.runIf(ready).each(['minikube', 'eks', 'gke'])('%s: upgrades on a real Kubernetes 1.35 API server', (env) => {
  const current = distManifests(env).objects;
  let server: KubeServer;
  let sequence = 0;

  /** Applies one object as `npm run synth`'s output is applied; the server's error, or undefined. */
  const apply = (object: RenderedObject): string | undefined => {
    const file = join(server.dir, `object-${++sequence}.json`);
    writeFileSync(file, JSON.stringify(object));
    const applied = server.kubectl(['apply', '--server-side', '--field-manager=cdc8s', '-f', file]);
    return applied.status === 0 ? undefined : applied.stderr.trim();
  };
  const live = (o: RenderedObject): any =>
    JSON.parse(
      server.kubectl([
        'get',
        [o.kind, apiGroupOf(o.apiVersion)].filter(Boolean).join('.'),
        o.metadata.name,
        ...(o.metadata.namespace ? ['-n', o.metadata.namespace] : []),
        '-o',
        'json',
      ]).stdout,
    );
  /** What the volume binder does once a claim has a volume: Bound, with the requested capacity. */
  const bind = (claim: RenderedObject) => {
    const status = { status: { phase: 'Bound', capacity: { storage: (claim as any).spec.resources.requests.storage } } };
    const patched = server.kubectl([
      'patch',
      'pvc',
      claim.metadata.name,
      '-n',
      claim.metadata.namespace as string,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    ]);
    if (patched.status !== 0) throw new Error(patched.stderr);
  };
  /** Applies `before`, then `after`: whether the server refused `after` or kept a value other than the one applied. */
  const refusedInPlace = (before: RenderedObject, after: RenderedObject): string | undefined => {
    const first = apply(before);
    if (first) throw new Error(`the old ${keyOf(before)} was refused: ${first}`);
    if (before.kind === 'PersistentVolumeClaim') bind(before);
    const error = apply(after);
    if (error) return error;
    const stored = live(after);
    // A field set must be stored as applied (defaults may add to it); a field removed must not keep its old value.
    const kept = diffValues('', before as any, after as any).filter((f) =>
      f.after !== undefined ? !contains(valueAt(stored, f.path), f.after) : contains(valueAt(stored, f.path), f.before),
    );
    return kept.length > 0 ? `accepted, but stored otherwise: ${kept.map((f) => `${f.path} = ${JSON.stringify(valueAt(stored, f.path))}`).join(', ')}` : undefined;
  };

  beforeAll(async () => {
    server = new KubeServer(buildKube('1.35'));
    await server.start();
    server.installCrds(SHARED_CRDS);
    // The namespaces and classes every case needs (the upgrade applies them again).
    for (const o of current.filter((x) => x.kind === 'Namespace' || x.kind === 'StorageClass')) {
      const error = apply(o);
      if (error) throw new Error(error);
    }
  }, 45 * 60_000);
  afterAll(() => server?.stop());

  it('the previous release, then the current output: the server refuses exactly the objects npm run diff marks', () => {
    const previous = objectsOf(renderVariant(env, previousRelease));
    const before = new Map(previous.map((o) => [keyOf(o), o]));
    for (const o of previous) {
      const error = apply(o);
      expect({ object: keyOf(o), error }).toEqual({ object: keyOf(o), error: undefined });
      if (o.kind === 'PersistentVolumeClaim') bind(o);
    }
    const changed = current.filter((o) => before.has(keyOf(o)) && JSON.stringify(before.get(keyOf(o))) !== JSON.stringify(o));
    expect(changed.length).toBeGreaterThanOrEqual(5);
    const refused = current.filter((o) => apply(o) !== undefined).map(keyOf);
    const marks = changed.filter((o) => marked(before.get(keyOf(o)) as RenderedObject, o).length > 0).map(keyOf);
    expect(refused).toEqual(marks);
    // minikube's claim is bound statically (no class): it cannot grow, and diff says so.
    expect(marks).toEqual(env === 'minikube' ? ['PersistentVolumeClaim cdc-data/postgres-data'] : []);
  });

  /** One field change on a copy of a rendered object (its own name, so cases never meet). */
  const cases: { name: string; kind: string; refused: boolean; change: (o: any) => void; from?: (o: any) => void; claim?: string }[] = [
    {
      name: 'StatefulSet selector',
      kind: 'StatefulSet',
      refused: true,
      change: (o) => {
        o.spec.selector.matchLabels.tier = 'db';
        o.spec.template.metadata.labels.tier = 'db';
      },
    },
    {
      name: 'StatefulSet serviceName',
      kind: 'StatefulSet',
      refused: true,
      change: (o) => {
        o.spec.serviceName = 'postgres-headless';
      },
    },
    {
      name: 'StatefulSet volumeClaimTemplates',
      kind: 'StatefulSet',
      refused: true,
      change: (o) => {
        o.spec.volumeClaimTemplates = [{ metadata: { name: 'scratch' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];
      },
    },
    {
      name: 'StatefulSet template',
      kind: 'StatefulSet',
      refused: false,
      change: (o) => {
        o.spec.template.metadata.annotations = { ...o.spec.template.metadata.annotations, 'cdc8s.io/test': 'x' };
      },
    },
    {
      name: 'StatefulSet replicas and updateStrategy',
      kind: 'StatefulSet',
      refused: false,
      change: (o) => {
        o.spec.replicas = 2;
        o.spec.updateStrategy = { type: 'OnDelete' };
      },
    },
    {
      name: 'Deployment selector',
      kind: 'Deployment',
      refused: true,
      change: (o) => {
        o.spec.selector.matchLabels.tier = 'web';
        o.spec.template.metadata.labels.tier = 'web';
      },
    },
    {
      name: 'Deployment template and replicas',
      kind: 'Deployment',
      refused: false,
      change: (o) => {
        o.spec.replicas = 5;
        o.spec.template.spec.terminationGracePeriodSeconds = 45;
      },
    },
    {
      name: 'PersistentVolumeClaim storageClassName',
      kind: 'PersistentVolumeClaim',
      refused: true,
      change: (o) => {
        o.spec.storageClassName = 'other';
      },
    },
    {
      name: 'PersistentVolumeClaim shrunk',
      kind: 'PersistentVolumeClaim',
      refused: true,
      change: (o) => {
        o.spec.resources.requests.storage = '1Gi';
      },
    },
    {
      name: 'PersistentVolumeClaim grown',
      kind: 'PersistentVolumeClaim',
      refused: env === 'minikube',
      change: (o) => {
        o.spec.resources.requests.storage = '1000Gi';
      },
    },
    ...(env === 'minikube'
      ? [
          // The backup repository's claim, in minikube's `standard` class (no volume expansion).
          {
            name: 'PersistentVolumeClaim grown (backup repository)',
            kind: 'PersistentVolumeClaim',
            claim: 'postgres-backup',
            refused: true,
            change: (o: any) => {
              o.spec.resources.requests.storage = '1000Gi';
            },
          },
        ]
      : []),
    {
      name: 'Service made headless',
      kind: 'Service',
      refused: true,
      change: (o) => {
        o.spec.clusterIP = 'None';
      },
    },
    {
      name: 'Service no longer headless',
      kind: 'Service',
      refused: true,
      from: (o) => {
        o.spec.clusterIP = 'None';
      },
      change: (o) => {
        delete o.spec.clusterIP;
      },
    },
    {
      name: 'Service ports',
      kind: 'Service',
      refused: false,
      change: (o) => {
        o.spec.ports = [...o.spec.ports, { name: 'extra', port: 9999, targetPort: 9999 }];
      },
    },
    ...(env === 'minikube'
      ? [
          {
            name: 'PersistentVolume hostPath',
            kind: 'PersistentVolume',
            refused: true,
            change: (o: any) => {
              o.spec.hostPath.path = '/data/elsewhere';
            },
          },
          {
            name: 'PersistentVolume capacity and reclaim policy',
            kind: 'PersistentVolume',
            refused: false,
            change: (o: any) => {
              o.spec.capacity.storage = '50Gi';
              o.spec.persistentVolumeReclaimPolicy = 'Delete';
            },
          },
        ]
      : []),
    // Strimzi refuses these (src/diff/immutable-fields.ts); the API server stores them.
    {
      name: 'KafkaNodePool storage type',
      kind: 'KafkaNodePool',
      refused: false,
      change: (o) => {
        o.spec.storage = { type: 'ephemeral' };
      },
    },
    {
      name: 'KafkaNodePool roles',
      kind: 'KafkaNodePool',
      refused: false,
      change: (o) => {
        o.spec.roles = o.spec.roles.includes('controller') ? ['broker'] : ['broker', 'controller'];
      },
    },
  ];

  it.each(cases)('$name: npm run diff marks it needs replacement exactly when the server refuses it', ({ kind, refused, change, from, claim }) => {
    // The database's claim (on minikube statically bound; the backup repository's claim is dynamic).
    const rendered = current.find((o) => o.kind === kind && (kind !== 'PersistentVolumeClaim' || o.metadata.name === (claim ?? 'postgres-data'))) as RenderedObject;
    expect(rendered).toBeDefined();
    const before = clone(rendered);
    before.metadata.name = `${rendered.metadata.name}-case-${++sequence}`;
    // A claim bound to a named volume would wait for it; the cases are about the claim's own fields.
    if (kind === 'PersistentVolumeClaim') delete (before as any).spec.volumeName;
    if (kind === 'PersistentVolume') delete (before as any).spec.claimRef;
    from?.(before);
    const after = clone(before);
    change(after);
    const serverSays = refusedInPlace(before, after);
    const strimziRefuses = kind === 'KafkaNodePool';
    expect({ refusedByServer: serverSays !== undefined, reason: serverSays }).toEqual(expect.objectContaining({ refusedByServer: refused }));
    expect(marked(before, after).length > 0).toBe(refused || strimziRefuses);
  });
});
