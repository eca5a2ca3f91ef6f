import { RenderedObject } from '../src/model/rendered-object';

/**
 * kube-linter checks (docs.kubelinter.io) that the real scanner covers: trivy's check that fires
 * on the same breakage (e2e/scenarios/manifest-scan.e2e.ts proves each). They are not re-stated
 * in kube-linter-checks.test.ts; the checks left there have no trivy equivalent.
 */
export const SCANNER_COVERS: Readonly<Record<string, string>> = {
  'run-as-non-root': 'KSV-0012',
  'no-read-only-root-fs': 'KSV-0014',
  'privilege-escalation-container': 'KSV-0001',
  'privileged-container': 'KSV-0017',
  'drop-net-raw-capability': 'KSV-0003',
  'host-network/pid/ipc': 'KSV-0009',
  'sensitive-host-mounts': 'KSV-0023',
  'unset-cpu-requirements': 'KSV-0011',
  'unset-memory-requirements': 'KSV-0016',
  'latest-tag': 'KSV-0013',
  'privileged-ports': 'KSV-0117',
  'ssh-port': 'KSV-0117',
  'cluster-admin-role-binding': 'KSV-0111',
};

/**
 * One way to break each manifest check, applied to a copy of rendered objects: what proves that a
 * check (ours in kube-linter-checks.test.ts, or the real scanner's in e2e/scenarios/manifest-scan)
 * catches what it is for. Each returns the whole object list with one object changed.
 */
export function manifestBreakages(objects: readonly RenderedObject[]): [string, RenderedObject[]][] {
  const deployment = objects.find((o) => o.kind === 'Deployment') as RenderedObject;
  /** The objects with the first Deployment changed. */
  const withDeployment = (change: (d: RenderedObject) => void): RenderedObject[] => {
    const broken = structuredClone(deployment);
    change(broken);
    return objects.map((o) => (o === deployment ? broken : o));
  };
  const withPod = (change: (spec: any, container: any) => void) => withDeployment((d) => change(d.spec.template.spec, d.spec.template.spec.containers[0]));
  const withKind = (kind: string, change: (o: RenderedObject) => RenderedObject) => objects.map((o) => (o.kind === kind ? change(o) : o));
  const service = objects.find((o) => o.kind === 'Service') as RenderedObject;
  return [
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
}
