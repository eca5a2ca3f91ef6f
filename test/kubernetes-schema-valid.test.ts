import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, lazy, objectsOf, render } from './helpers';
import { K8S_VERSIONS, kubernetesSchemas, schemasAvailable } from './k8s-schemas';
import { isCustomResource } from '../src/model/apply-order';

describe.runIf(schemasAvailable())('every built-in object is valid for the oldest and newest Kubernetes we support', () => {
  describe.each(K8S_VERSIONS)('Kubernetes %s', (version) => {
    // Loaded when a test runs: a skipped suite is still collected, and its files may not exist.
    const schemas = lazy(() => kubernetesSchemas(version));

    it.each(ENVIRONMENTS)('%s', (name) => {
      // Custom resources: no upstream Kubernetes schema covers them (their CRDs decide, in validate).
      const builtIn = objectsOf(render(name)).filter((o) => !isCustomResource(o.apiVersion));
      expect(builtIn.length).toBeGreaterThan(5);
      const problems: string[] = [];
      for (const o of builtIn) {
        const label = `${o.kind}/${o.metadata.name}`;
        const validate = schemas().validatorFor(o.apiVersion, o.kind);
        if (!validate) {
          problems.push(`${o.apiVersion} ${o.kind} does not exist in ${version}`);
        } else if (!validate(o)) {
          problems.push(...(validate.errors ?? []).map((e) => `${label}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
        }
      }
      expect(problems).toEqual([]);
    });

    it('rejects an unknown field, as kubectl --validate=strict does', () => {
      const validate = schemas().validatorFor('apps/v1', 'Deployment');
      expect(validate?.({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replica: 1 } })).toBe(false);
    });
  });
});
