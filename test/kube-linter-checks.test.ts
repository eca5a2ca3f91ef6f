import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, RenderedObject, objectsOf, render } from './helpers';
import { selects } from './network';
import { manifestBreakages, SCANNER_COVERS } from './manifest-breakages';
import { containersOf, podTemplates } from './workloads';

/**
 * kube-linter's default checks that apply to what cdc8s renders (docs.kubelinter.io, "checks") and
 * that the real scanner (trivy, e2e/scenarios/manifest-scan.e2e.ts) has no equivalent for:
 * probes, selectors and references between objects, disruption budgets, spreading, isolation.
 * kube-linter itself is not served here. Re-stated as rules over our objects; each returns violations.
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
  'requests-within-limits': (objects) =>
    containers(objects)
      .filter(({ c }) => ['cpu', 'memory'].some((r) => quantity(c.resources?.requests?.[r]) > quantity(c.resources?.limits?.[r])))
      .map(({ where }) => where),
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
  const all = manifestBreakages(objectsOf(render('eks')));
  const cases = all.filter(([check]) => !(check in SCANNER_COVERS));
  it('covers every check: each breakage is caught here or by the real scanner, never both, never neither', () => {
    expect(cases.map(([check]) => check).sort()).toEqual(Object.keys(CHECKS).sort());
    expect(all.map(([check]) => check).sort()).toEqual([...Object.keys(CHECKS), ...Object.keys(SCANNER_COVERS)].sort());
  });

  it.each(cases)('%s', (check, broken) => {
    expect(CHECKS[check](broken).length, check).toBeGreaterThan(0);
  });
});
