import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, RenderedObject, objectsOf, render } from './helpers';
import { selects } from './network';
import { containersOf, podTemplates } from './workloads';

/**
 * kube-linter's default checks that apply to what cdc8s renders (docs.kubelinter.io, "checks"),
 * re-stated as rules over our objects — not a general-purpose linter. Each returns violations.
 */
type Check = (objects: readonly RenderedObject[]) => string[];

const SECRET_LIKE_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const of = (objects: readonly RenderedObject[], kind: string) => objects.filter((o) => o.kind === kind);
const id = (o: RenderedObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const containers = (objects: readonly RenderedObject[]) => podTemplates(objects).flatMap((pod) => containersOf(pod).map((c) => ({ pod, c, where: `${pod.owner} ${c.name}` })));
const quantity = (q: string) => {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti)?$/.exec(String(q));
  const factor: Record<string, number> = { m: 0.001, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return m ? Number(m[1]) * (m[2] ? factor[m[2]] : 1) : NaN;
};

export const CHECKS: Record<string, Check> = {
  'run-as-non-root': (objects) =>
    containers(objects)
      .filter(({ pod, c }) => (c.securityContext?.runAsNonRoot ?? pod.spec.securityContext?.runAsNonRoot) !== true)
      .map(({ where }) => where),
  'no-read-only-root-fs': (objects) =>
    containers(objects)
      .filter(({ c }) => c.securityContext?.readOnlyRootFilesystem !== true)
      .map(({ where }) => where),
  'privilege-escalation-container': (objects) =>
    containers(objects)
      .filter(({ c }) => c.securityContext?.allowPrivilegeEscalation !== false)
      .map(({ where }) => where),
  'privileged-container': (objects) =>
    containers(objects)
      .filter(({ c }) => c.securityContext?.privileged === true)
      .map(({ where }) => where),
  'drop-net-raw-capability': (objects) =>
    containers(objects)
      .filter(({ c }) => !(c.securityContext?.capabilities?.drop ?? []).some((cap: string) => cap === 'ALL' || cap === 'NET_RAW'))
      .map(({ where }) => where),
  'host-network/pid/ipc': (objects) =>
    podTemplates(objects)
      .filter((p) => p.spec.hostNetwork || p.spec.hostPID || p.spec.hostIPC)
      .map((p) => p.owner),
  'sensitive-host-mounts': (objects) =>
    podTemplates(objects)
      .filter((p) => (p.spec.volumes ?? []).some((v: any) => v.hostPath))
      .map((p) => p.owner),
  'unset-cpu-requirements': (objects) =>
    containers(objects)
      .filter(({ c }) => !c.resources?.requests?.cpu || !c.resources?.limits?.cpu)
      .map(({ where }) => where),
  'unset-memory-requirements': (objects) =>
    containers(objects)
      .filter(({ c }) => !c.resources?.requests?.memory || !c.resources?.limits?.memory)
      .map(({ where }) => where),
  'requests-within-limits': (objects) =>
    containers(objects)
      .filter(({ c }) => ['cpu', 'memory'].some((r) => quantity(c.resources?.requests?.[r]) > quantity(c.resources?.limits?.[r])))
      .map(({ where }) => where),
  'latest-tag': (objects) =>
    containers(objects)
      .filter(({ c }) => !/@sha256:[0-9a-f]{64}$/.test(c.image) && (!/:[^/:]+$/.test(c.image) || /:latest$/.test(c.image)))
      .map(({ where, c }) => `${where}: ${c.image}`),
  'env-var-secret': (objects) =>
    containers(objects).flatMap(({ c, where }) =>
      (c.env ?? []).filter((e: any) => SECRET_LIKE_ENV.test(e.name) && !e.name.endsWith('_FILE') && e.value !== undefined).map((e: any) => `${where} ${e.name}`),
    ),
  'no-liveness-probe': (objects) =>
    containers(objects)
      .filter(({ c }) => !c.livenessProbe)
      .map(({ where }) => where),
  'no-readiness-probe': (objects) =>
    containers(objects)
      .filter(({ c }) => !c.readinessProbe)
      .map(({ where }) => where),
  'liveness/readiness/startup-port': (objects) =>
    containers(objects).flatMap(({ c, where }) => {
      const ports = new Set((c.ports ?? []).flatMap((p: any) => [p.name, p.containerPort]));
      return ['livenessProbe', 'readinessProbe', 'startupProbe']
        .map((probe) => [probe, c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port] as const)
        .filter(([, port]) => port !== undefined && !ports.has(port))
        .map(([probe, port]) => `${where} ${probe} port ${port}`);
    }),
  'privileged-ports': (objects) =>
    containers(objects).flatMap(({ c, where }) => (c.ports ?? []).filter((p: any) => p.containerPort < 1024).map((p: any) => `${where} ${p.containerPort}`)),
  'ssh-port': (objects) => containers(objects).flatMap(({ c, where }) => (c.ports ?? []).filter((p: any) => p.containerPort === 22).map(() => where)),
  'mismatching-selector': (objects) =>
    podTemplates(objects)
      .filter((p) => !selects(p.object.spec.selector, p.labels))
      .map((p) => p.owner),
  'dangling-service': (objects) =>
    of(objects, 'Service')
      .filter((s) => !podTemplates(objects).some((p) => p.namespace === s.metadata.namespace && selects({ matchLabels: s.spec.selector }, p.labels)))
      .map(id),
  'invalid-target-ports': (objects) =>
    of(objects, 'Service').flatMap((s) =>
      s.spec.ports
        .filter((port: any) => {
          const pods = podTemplates(objects).filter((p) => p.namespace === s.metadata.namespace && selects({ matchLabels: s.spec.selector }, p.labels));
          return !pods.some((p) => containersOf(p).some((c) => (c.ports ?? []).some((cp: any) => cp.name === port.targetPort || cp.containerPort === port.targetPort)));
        })
        .map((port: any) => `${id(s)} ${port.targetPort}`),
    ),
  'non-existent-service-account': (objects) =>
    podTemplates(objects)
      .filter(
        (p) => p.spec.serviceAccountName && !of(objects, 'ServiceAccount').some((sa) => sa.metadata.namespace === p.namespace && sa.metadata.name === p.spec.serviceAccountName),
      )
      .map((p) => `${p.owner} ${p.spec.serviceAccountName}`),
  'default-service-account': (objects) =>
    podTemplates(objects)
      .filter((p) => (p.spec.serviceAccountName ?? 'default') === 'default' && p.spec.automountServiceAccountToken !== false)
      .map((p) => p.owner),
  'service-account-token-not-mounted': (objects) => [
    ...podTemplates(objects)
      .filter((p) => p.spec.automountServiceAccountToken !== false)
      .map((p) => p.owner),
    ...of(objects, 'ServiceAccount')
      .filter((sa) => sa.automountServiceAccountToken !== false)
      .map(id),
  ],
  'no-anti-affinity': (objects) =>
    podTemplates(objects)
      .filter((p) => p.replicas >= 2)
      .filter((p) => !p.spec.affinity?.podAntiAffinity && !(p.spec.topologySpreadConstraints ?? []).some((t: any) => t.topologyKey === 'kubernetes.io/hostname'))
      .map((p) => p.owner),
  'pdb-for-every-replicated-workload': (objects) =>
    podTemplates(objects)
      .filter((p) => p.replicas >= 2 && !of(objects, 'PodDisruptionBudget').some((pdb) => pdb.metadata.namespace === p.namespace && selects(pdb.spec.selector, p.labels)))
      .map((p) => p.owner),
  // kube-linter skips an object annotated ignore-check.kube-linter.io/<check> (its "ignoring violations" docs).
  'pdb-max-unavailable': (objects) =>
    of(objects, 'PodDisruptionBudget')
      .filter((pdb) => (pdb.spec.maxUnavailable === 0 || pdb.spec.maxUnavailable === '0%') && !pdb.metadata.annotations?.['ignore-check.kube-linter.io/pdb-max-unavailable'])
      .map(id),
  'pdb-min-available': (objects) =>
    of(objects, 'PodDisruptionBudget')
      .filter((pdb) => {
        const pods = podTemplates(objects).filter((p) => p.namespace === pdb.metadata.namespace && selects(pdb.spec.selector, p.labels));
        return (
          pdb.spec.minAvailable !== undefined &&
          pods.some((p) => (typeof pdb.spec.minAvailable === 'number' ? pdb.spec.minAvailable >= p.replicas : pdb.spec.minAvailable === '100%'))
        );
      })
      .map(id),
  'pdb-unhealthy-pod-eviction-policy': (objects) =>
    of(objects, 'PodDisruptionBudget')
      .filter((pdb) => pdb.spec.unhealthyPodEvictionPolicy !== 'AlwaysAllow')
      .map(id),
  'use-namespace': (objects) =>
    objects
      .filter((o) => !['Namespace', 'StorageClass', 'PersistentVolume'].includes(o.kind))
      .filter((o) => !o.metadata.namespace || o.metadata.namespace === 'default')
      .map(id),
  'wildcard-in-rules': (objects) =>
    [...of(objects, 'Role'), ...of(objects, 'ClusterRole')]
      .filter((r) => (r.rules ?? []).some((rule: any) => [...(rule.verbs ?? []), ...(rule.resources ?? []), ...(rule.apiGroups ?? [])].includes('*')))
      .map(id),
  'access-to-secrets': (objects) =>
    [...of(objects, 'Role'), ...of(objects, 'ClusterRole')]
      .filter((r) =>
        (r.rules ?? []).some((rule: any) => (rule.resources ?? []).includes('secrets') && (!(rule.resourceNames?.length > 0) || rule.verbs.some((v: string) => v !== 'get'))),
      )
      .map(id),
  'cluster-admin-role-binding': (objects) => [...of(objects, 'RoleBinding'), ...of(objects, 'ClusterRoleBinding')].filter((b) => b.roleRef?.name === 'cluster-admin').map(id),
  'non-isolated-pod': (objects) =>
    podTemplates(objects)
      .filter(
        (p) =>
          !of(objects, 'NetworkPolicy').some(
            (np) => np.metadata.namespace === p.namespace && (np.spec.policyTypes ?? ['Ingress']).includes('Ingress') && selects(np.spec.podSelector, p.labels),
          ),
      )
      .map((p) => p.owner),
  'dangling-networkpolicy': (objects) =>
    of(objects, 'NetworkPolicy')
      .filter((np) => {
        const selector = np.spec.podSelector;
        if (Object.keys(selector).length === 0) return false;
        const ours = podTemplates(objects).some((p) => p.namespace === np.metadata.namespace && selects(selector, p.labels));
        // Strimzi's pods: selected by the CR name and kind they are labelled with.
        const strimzi = objects.some(
          (o) =>
            o.metadata.namespace === np.metadata.namespace &&
            selector.matchLabels?.['strimzi.io/kind'] === o.kind &&
            selector.matchLabels?.['strimzi.io/cluster'] === o.metadata.name,
        );
        return !ours && !strimzi;
      })
      .map(id),
  'dangling-ingress-or-route': (objects) =>
    [
      ...of(objects, 'Ingress').flatMap((i) => i.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => [i, p.backend.service.name] as const))),
      ...of(objects, 'HTTPRoute').flatMap((r) => r.spec.rules.flatMap((rule: any) => rule.backendRefs.map((b: any) => [r, b.name] as const))),
    ]
      .filter(([o, service]) => !of(objects, 'Service').some((s) => s.metadata.namespace === o.metadata.namespace && s.metadata.name === service))
      .map(([o, s]) => `${id(o)} → ${s}`),
  'exposed-services': (objects) =>
    of(objects, 'Service')
      .filter((s) => s.spec.type === 'LoadBalancer')
      .map(id),
};

describe.each(ENVIRONMENTS)('%s: kube-linter default checks over every object we render', (name) => {
  const objects = objectsOf(render(name));

  it('has workloads to check', () => {
    expect(podTemplates(objects).length).toBeGreaterThanOrEqual(3);
  });

  it.each(Object.keys(CHECKS))('%s', (check) => {
    expect(CHECKS[check](objects)).toEqual([]);
  });

  it('NodePort services only where the platform has no load balancer (minikube)', () => {
    const nodePorts = of(objects, 'Service')
      .filter((s) => s.spec.type === 'NodePort')
      .map(id);
    expect(nodePorts.length > 0).toBe(name === 'minikube');
  });
});

describe('each check catches what it is for', () => {
  const objects = objectsOf(render('eks'));
  const deployment = objects.find((o) => o.kind === 'Deployment') as RenderedObject;
  /** The eks objects with the first Deployment changed. */
  const withDeployment = (change: (d: RenderedObject) => void): RenderedObject[] => {
    const broken = structuredClone(deployment);
    change(broken);
    return objects.map((o) => (o === deployment ? broken : o));
  };
  const withPod = (change: (spec: any, container: any) => void) => withDeployment((d) => change(d.spec.template.spec, d.spec.template.spec.containers[0]));
  const withKind = (kind: string, change: (o: RenderedObject) => RenderedObject) => objects.map((o) => (o.kind === kind ? change(o) : o));
  const service = objects.find((o) => o.kind === 'Service') as RenderedObject;
  const cases: [string, RenderedObject[]][] = [
    [
      'run-as-non-root',
      withPod((s, c) => {
        delete s.securityContext.runAsNonRoot;
        delete c.securityContext.runAsNonRoot;
      }),
    ],
    [
      'no-read-only-root-fs',
      withPod((_, c) => {
        c.securityContext.readOnlyRootFilesystem = false;
      }),
    ],
    [
      'privilege-escalation-container',
      withPod((_, c) => {
        delete c.securityContext.allowPrivilegeEscalation;
      }),
    ],
    [
      'privileged-container',
      withPod((_, c) => {
        c.securityContext.privileged = true;
      }),
    ],
    [
      'drop-net-raw-capability',
      withPod((_, c) => {
        c.securityContext.capabilities.drop = [];
      }),
    ],
    [
      'host-network/pid/ipc',
      withPod((s) => {
        s.hostNetwork = true;
      }),
    ],
    [
      'sensitive-host-mounts',
      withPod((s) => {
        s.volumes.push({ name: 'host', hostPath: { path: '/var/run/docker.sock' } });
      }),
    ],
    [
      'unset-cpu-requirements',
      withPod((_, c) => {
        delete c.resources.limits.cpu;
      }),
    ],
    [
      'unset-memory-requirements',
      withPod((_, c) => {
        delete c.resources.requests.memory;
      }),
    ],
    [
      'requests-within-limits',
      withPod((_, c) => {
        c.resources.requests.memory = '64Gi';
      }),
    ],
    [
      'latest-tag',
      withPod((_, c) => {
        c.image = 'example/api:latest';
      }),
    ],
    [
      'env-var-secret',
      withPod((_, c) => {
        c.env.push({ name: 'DB_PASSWORD', value: 'hunter2' });
      }),
    ],
    [
      'no-liveness-probe',
      withPod((_, c) => {
        delete c.livenessProbe;
      }),
    ],
    [
      'no-readiness-probe',
      withPod((_, c) => {
        delete c.readinessProbe;
      }),
    ],
    [
      'liveness/readiness/startup-port',
      withPod((_, c) => {
        c.readinessProbe.httpGet.port = 'metrics';
      }),
    ],
    [
      'privileged-ports',
      withPod((_, c) => {
        c.ports[0].containerPort = 80;
      }),
    ],
    [
      'mismatching-selector',
      withDeployment((d) => {
        d.spec.selector.matchLabels['app.kubernetes.io/name'] = 'other';
      }),
    ],
    [
      'ssh-port',
      withPod((_, c) => {
        c.ports.push({ name: 'ssh', containerPort: 22 });
      }),
    ],
    [
      'invalid-target-ports',
      withPod((_, c) => {
        c.ports[0].name = 'web';
      }),
    ],
    [
      'non-existent-service-account',
      withPod((s) => {
        s.serviceAccountName = 'missing';
      }),
    ],
    [
      'default-service-account',
      withPod((s) => {
        delete s.serviceAccountName;
        delete s.automountServiceAccountToken;
      }),
    ],
    [
      'service-account-token-not-mounted',
      withPod((s) => {
        delete s.automountServiceAccountToken;
      }),
    ],
    [
      'no-anti-affinity',
      withPod((s) => {
        delete s.topologySpreadConstraints;
      }),
    ],
    ['non-isolated-pod', objects.filter((o) => o.kind !== 'NetworkPolicy')],
    ['pdb-for-every-replicated-workload', objects.filter((o) => o.kind !== 'PodDisruptionBudget')],
    ['pdb-unhealthy-pod-eviction-policy', withKind('PodDisruptionBudget', (o) => ({ ...o, spec: { ...o.spec, unhealthyPodEvictionPolicy: undefined } }))],
    ['pdb-max-unavailable', withKind('PodDisruptionBudget', (o) => ({ ...o, metadata: { ...o.metadata, annotations: {} }, spec: { ...o.spec, maxUnavailable: 0 } }))],
    ['pdb-min-available', withKind('PodDisruptionBudget', (o) => ({ ...o, spec: { selector: o.spec.selector, minAvailable: 100 } }))],
    ['dangling-service', objects.filter((o) => o.kind !== 'Deployment')],
    ['use-namespace', [...objects, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } }]],
    ['access-to-secrets', withKind('Role', (o) => ({ ...o, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] }))],
    ['wildcard-in-rules', withKind('Role', (o) => ({ ...o, rules: [{ apiGroups: ['*'], resources: ['pods'], verbs: ['get'] }] }))],
    ['cluster-admin-role-binding', withKind('RoleBinding', (o) => ({ ...o, roleRef: { ...o.roleRef, name: 'cluster-admin' } }))],
    ['exposed-services', objects.map((o) => (o === service ? { ...o, spec: { ...o.spec, type: 'LoadBalancer' } } : o))],
    [
      'dangling-networkpolicy',
      [
        ...objects,
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x', namespace: 'cdc-apps' }, spec: { podSelector: { matchLabels: { app: 'nothing' } } } },
      ],
    ],
    ['dangling-ingress-or-route', objects.filter((o) => o.kind !== 'Service')],
  ];

  it('covers every check', () => {
    expect(cases.map(([check]) => check).sort()).toEqual(Object.keys(CHECKS).sort());
  });

  it.each(cases)('%s', (check, broken) => {
    expect(CHECKS[check](broken).length, check).toBeGreaterThan(0);
  });
});
