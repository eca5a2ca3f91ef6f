import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, RenderedObject, objectsOf, ofKind, render, renderVariant } from './helpers';

const databasePod = (objects: RenderedObject[]) => ofKind(objects, 'StatefulSet').find((s) => s.metadata.name === 'postgres') as RenderedObject;

describe.each(ENVIRONMENTS)('%s: the database pod', (env) => {
  const objects = objectsOf(render(env));
  const statefulSet = databasePod(objects);
  const pod = statefulSet.spec.template;
  const server = pod.spec.containers.find((c: any) => c.name === 'postgres');

  it("is never evicted while healthy: a PodDisruptionBudget of none, and the autoscalers' own opt-outs", () => {
    const budget = ofKind(objects, 'PodDisruptionBudget').find((p) => p.metadata.name === 'postgres') as RenderedObject;
    expect(budget.spec.maxUnavailable).toBe(0);
    expect(budget.spec.selector.matchLabels).toEqual(statefulSet.spec.selector.matchLabels);
    // A pod that is not ready serves nothing and must not block a drain.
    expect(budget.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    expect(pod.metadata.annotations).toEqual({ 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false', 'karpenter.sh/do-not-disrupt': 'true' });
  });

  it('sizes shared_buffers and effective_cache_size from the memory request, on the command line (a resize needs no image)', () => {
    const mib = (q: string) => Number(q.slice(0, -2)) * (q.endsWith('Gi') ? 1024 : 1);
    const memory = mib(server.resources.requests.memory);
    expect(server.args).toEqual([
      'postgres',
      '-c',
      'config_file=/etc/postgresql/postgresql.conf',
      '-c',
      `shared_buffers=${Math.floor(memory / 4)}MB`,
      '-c',
      `effective_cache_size=${Math.floor((memory * 3) / 4)}MB`,
    ]);
  });

  it('mounts a memory-backed /dev/shm for dynamic shared memory (container runtimes give 64 MiB)', () => {
    expect(server.volumeMounts).toContainEqual({ name: 'shm', mountPath: '/dev/shm' });
    const shm = pod.spec.volumes.find((v: any) => v.name === 'shm');
    expect(shm.emptyDir.medium).toBe('Memory');
    expect(shm.emptyDir.sizeLimit).toMatch(/^\d+Mi$/);
  });
});

describe('the settings follow the memory request', () => {
  it('8Gi: 2048MB of shared buffers, 6144MB of cache estimate, a 2048Mi /dev/shm', () => {
    const objects = objectsOf(
      renderVariant('minikube', (c) => {
        c.postgres.resources = { requests: { cpu: '1', memory: '8Gi' }, limits: { cpu: '2', memory: '8Gi' } };
      }),
    );
    const pod = databasePod(objects).spec.template.spec;
    expect(pod.containers[0].args).toContain('shared_buffers=2048MB');
    expect(pod.containers[0].args).toContain('effective_cache_size=6144MB');
    expect(pod.volumes.find((v: any) => v.name === 'shm').emptyDir.sizeLimit).toBe('2048Mi');
  });
});

describe('Kafka Connect workers spread across zones and nodes', () => {
  it.each(ENVIRONMENTS)('%s: with two or more workers, spread by zone, then node; with one, nothing to spread', (env) => {
    const connect = ofKind(objectsOf(render(env)), 'KafkaConnect')[0];
    const constraints = connect.spec.template.pod.topologySpreadConstraints;
    if (connect.spec.replicas < 2) {
      expect(constraints).toBeUndefined();
      return;
    }
    expect(constraints.map((c: any) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    for (const c of constraints)
      expect(c.labelSelector.matchLabels).toEqual({ 'strimzi.io/cluster': 'cdc-connect', 'strimzi.io/kind': 'KafkaConnect', 'strimzi.io/name': 'cdc-connect-connect' });
  });
});
