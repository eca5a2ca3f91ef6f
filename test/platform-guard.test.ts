import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, file, objectsOf, ofKind, parseYamlObjects, render } from './helpers';

/**
 * dist/platform/<env>.yaml pins what the Argo CD project cannot: our namespaces' Pod Security
 * labels and our PersistentVolume's host path. The real API server enforcing it:
 * e2e/scenarios/api-server.e2e.ts.
 */
describe.each(ENVIRONMENTS)('%s: the admission policy for the platform team', (env) => {
  const rendered = render(env);
  const guard = parseYamlObjects(file(rendered, `platform/${env}.yaml`));
  const [policy] = ofKind(guard, 'ValidatingAdmissionPolicy');
  const [binding] = ofKind(guard, 'ValidatingAdmissionPolicyBinding');
  const objects = objectsOf(rendered);

  it('is a policy and its Deny binding, outside what Argo CD or Helm apply', () => {
    // With the database's CA, also the platform team's (cert-manager's namespace, cluster-scoped issuers),
    // and, with observability, kube-state-metrics' configuration and grant (its namespace).
    expect(guard.map((o) => o.kind)).toEqual([
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ClusterIssuer',
      'Certificate',
      'ClusterIssuer',
      ...(rendered.env.config.observability.enabled ? ['ConfigMap', 'ClusterRole', 'ClusterRoleBinding'] : []),
    ]);
    expect(binding.spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(objects.some((o) => o.kind.startsWith('ValidatingAdmissionPolicy'))).toBe(false);
    const project = ofKind(parseYamlObjects(file(rendered, `argocd/${env}.yaml`)), 'AppProject')[0];
    expect(project.spec.clusterResourceWhitelist.some((e: { kind: string }) => e.kind.startsWith('ValidatingAdmissionPolicy'))).toBe(false);
  });

  it('pins each of our namespaces to its rendered Pod Security level or stricter', () => {
    for (const ns of ofKind(objects, 'Namespace')) {
      const rule = policy.spec.validations.find((v: { expression: string }) => v.expression.includes(`object.metadata.name != '${ns.metadata.name}'`));
      const level = ns.metadata.labels?.['pod-security.kubernetes.io/enforce'];
      expect(rule?.expression, ns.metadata.name).toContain(`['pod-security.kubernetes.io/enforce'] in [${level === 'baseline' ? "'baseline', 'restricted'" : "'restricted'"}]`);
    }
  });
});
