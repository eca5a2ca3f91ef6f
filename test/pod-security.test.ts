import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, RenderedObject, objectsOf, ofKind, render } from './helpers';
import { containersOf, PodTemplate, podTemplates } from './workloads';

/** Volume types the `restricted` Pod Security Standard allows (kubernetes.io/docs/concepts/security/pod-security-standards). */
const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** Violations of the `restricted` profile (v1.27–latest) in one pod template; empty when it complies. */
export function restrictedViolations(pod: PodTemplate): string[] {
  const problems: string[] = [];
  const { spec } = pod;
  const podContext = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push('host namespaces');
  for (const volume of spec.volumes ?? []) {
    const type = Object.keys(volume).find((k) => k !== 'name') as string;
    if (!RESTRICTED_VOLUME_TYPES.includes(type)) problems.push(`volume ${volume.name} is ${type}`);
  }
  if ((spec.securityContext?.sysctls ?? []).length > 0) problems.push('sysctls');
  for (const c of containersOf(pod)) {
    const ctx = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (ctx.privileged) problems.push(`${where} privileged`);
    if (ctx.allowPrivilegeEscalation !== false) problems.push(`${where} allowPrivilegeEscalation not false`);
    if (!(ctx.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where} does not drop ALL capabilities`);
    if ((ctx.capabilities?.add ?? []).some((cap: string) => cap !== 'NET_BIND_SERVICE')) problems.push(`${where} adds capabilities`);
    if ((ctx.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push(`${where} runAsNonRoot not true`);
    if ((ctx.runAsUser ?? podContext.runAsUser) === 0) problems.push(`${where} runs as UID 0`);
    const seccomp = ctx.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${where} seccomp ${seccomp}`);
    if ((c.ports ?? []).some((p: any) => p.hostPort)) problems.push(`${where} hostPort`);
    if (ctx.procMount && ctx.procMount !== 'Default') problems.push(`${where} procMount`);
    if (ctx.seLinuxOptions?.type && !['container_t', 'container_init_t', 'container_kvm_t'].includes(ctx.seLinuxOptions.type)) problems.push(`${where} SELinux type`);
  }
  return problems;
}

describe.each(ENVIRONMENTS)('%s: every pod we own meets Pod Security Standards restricted', (name) => {
  const objects = objectsOf(render(name));
  const pods = podTemplates(objects);

  it('covers Postgres, the API and every consumer', () => {
    expect(pods.map((p) => p.object.kind).sort()).toEqual([...Array(pods.length - 1).fill('Deployment'), 'StatefulSet'].sort());
    expect(pods.length).toBeGreaterThanOrEqual(3);
  });

  it.each(podTemplates(objectsOf(render(name))).map((p) => [p.owner, p] as const))('%s', (_owner, pod) => {
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
  });

  it('runs every container with a read-only root filesystem, writing only to emptyDir or the data volume', () => {
    for (const pod of pods) {
      const writable = new Set((pod.spec.volumes ?? []).filter((v: any) => v.emptyDir || v.persistentVolumeClaim).map((v: any) => v.name));
      for (const c of containersOf(pod)) {
        expect(c.securityContext.readOnlyRootFilesystem, `${pod.owner} ${c.name}`).toBe(true);
        for (const mount of c.volumeMounts ?? []) {
          if (!writable.has(mount.name)) expect(mount.readOnly, `${pod.owner} ${c.name} ${mount.mountPath}`).toBe(true);
        }
      }
    }
  });

  it('gives Postgres writable emptyDirs for its socket and run directory and for /tmp', () => {
    const postgres = pods.find((p) => p.object.kind === 'StatefulSet') as PodTemplate;
    const mounts = new Map(postgres.spec.containers[0].volumeMounts.map((m: any) => [m.mountPath, m.name]));
    const volumes = new Map(postgres.spec.volumes.map((v: any) => [v.name, v]));
    for (const path of ['/var/run/postgresql', '/tmp']) {
      expect((volumes.get(mounts.get(path)) as any)?.emptyDir, path).toBeDefined();
    }
    expect((volumes.get(mounts.get('/var/run/postgresql')) as any).emptyDir.medium).toBe('Memory');
  });

  it('the check itself rejects a root, privileged, hostPath pod', () => {
    const broken: PodTemplate = {
      ...pods[0],
      spec: {
        ...pods[0].spec,
        securityContext: { runAsUser: 0 },
        volumes: [{ name: 'host', hostPath: { path: '/' } }],
        containers: [{ name: 'x', securityContext: { privileged: true } }],
      },
    };
    expect(restrictedViolations(broken)).toEqual(
      expect.arrayContaining([
        'volume host is hostPath',
        'container x privileged',
        'container x allowPrivilegeEscalation not false',
        'container x does not drop ALL capabilities',
        'container x runAsNonRoot not true',
        'container x runs as UID 0',
      ]),
    );
  });

  it('enforces restricted on the data and apps namespaces, and on streaming unless Strimzi builds the Connect image (its build pod runs as root)', () => {
    const enforce = Object.fromEntries(ofKind(objects, 'Namespace').map((n) => [n.metadata.name, n.metadata.labels?.['pod-security.kubernetes.io/enforce']]));
    const builds = ofKind(objects, 'KafkaConnect').some((c) => c.spec.build);
    expect(enforce).toEqual({ 'cdc-data': 'restricted', 'cdc-streaming': builds ? 'baseline' : 'restricted', 'cdc-apps': 'restricted' });
    for (const n of ofKind(objects, 'Namespace')) expect(n.metadata.labels?.['pod-security.kubernetes.io/warn']).toBe('restricted');
  });
});

/** A security context that meets `restricted` and keeps the root filesystem read-only. */
function expectRestrictedContainer(context: any, where: string): void {
  expect(context, where).toMatchObject({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
}

describe.each(ENVIRONMENTS)('%s: Strimzi-managed pods get restricted contexts and resources through the CR templates', (name) => {
  const objects = objectsOf(render(name));
  const kafka = ofKind(objects, 'Kafka')[0];
  const connect = ofKind(objects, 'KafkaConnect')[0];
  const expectRestrictedPod = (context: any, where: string) => expect(context, where).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  const expectResources = (resources: any, where: string) => {
    for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) expect(resources?.[kind]?.[r], `${where} ${kind}.${r}`).toBeDefined();
  };

  it('every node pool: pod and Kafka container contexts, requests and limits', () => {
    const pools = ofKind(objects, 'KafkaNodePool');
    expect(pools.length).toBeGreaterThan(0);
    for (const pool of pools) {
      expectRestrictedPod(pool.spec.template.pod.securityContext, pool.metadata.name);
      expect(pool.spec.template.pod.securityContext.fsGroup).toBe(0);
      expectRestrictedContainer(pool.spec.template.kafkaContainer.securityContext, pool.metadata.name);
      expectRestrictedContainer(pool.spec.template.initContainer.securityContext, pool.metadata.name);
      expectResources(pool.spec.resources, pool.metadata.name);
    }
  });

  it('the entity operator: pod and both operator containers, requests and limits', () => {
    const eo = kafka.spec.entityOperator;
    expectRestrictedPod(eo.template.pod.securityContext, 'entity operator');
    expectRestrictedContainer(eo.template.topicOperatorContainer.securityContext, 'topic operator');
    expectRestrictedContainer(eo.template.userOperatorContainer.securityContext, 'user operator');
    expectResources(eo.topicOperator.resources, 'topic operator');
    expectResources(eo.userOperator.resources, 'user operator');
  });

  it('Kafka Connect: restricted workers; the build container set explicitly, so the restricted provider accepts it', () => {
    expectRestrictedPod(connect.spec.template.pod.securityContext, 'connect');
    expectRestrictedContainer(connect.spec.template.connectContainer.securityContext, 'connect');
    expectResources(connect.spec.resources, 'connect');
    // A prebuilt image (minikube) runs no build pod at all.
    if (!connect.spec.build) return;
    expect(connect.spec.template.buildContainer.securityContext).toEqual({ runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false, privileged: false });
    expectResources(connect.spec.build.resources, 'connect build');
    // The image the build pushes and the workers run is pinned like every other image.
    expect(connect.spec.build.output.image).toMatch(/:[A-Za-z0-9][\w.-]*$/);
    expect(connect.spec.build.output.image).not.toMatch(/:latest$/);
  });

  it('sets no template on the Kafka resource that a node pool would silently override', () => {
    expect(Object.keys(kafka.spec.kafka.template as RenderedObject)).toEqual(['podDisruptionBudget']);
  });
});
