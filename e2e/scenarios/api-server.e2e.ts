import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-root';
import { sharedDir } from '../../src/validate/sources';
import { availableOrSkip } from '../harness/available';
import { buildKube, KubeServer, missingGo } from '../harness/kube';

/**
 * Every rendered output applied to a real kube-apiserver 1.35 (built from source, e2e/kube) with
 * etcd: what the server admits, stores and rejects, which schemas alone cannot tell (CEL rules in
 * CRDs, immutable fields, Pod Security warnings). One fresh server per environment.
 */
const CRDS = join(sharedDir(), 'crds');
const ENVIRONMENTS = ['minikube', 'eks', 'gke'];
const DIST = join(packageRoot(), 'dist');
const ready = availableOrSkip(missingGo()) && availableOrSkip(existsSync(CRDS) ? undefined : `the upstream CRDs are not in ${CRDS} (CI has ../shared beside the clone)`);

describe.runIf(ready)('every output on a real Kubernetes 1.35 API server', () => {
  let bin: ReturnType<typeof buildKube>;
  beforeAll(() => { bin = buildKube(); }, 45 * 60_000);

  describe.each(ENVIRONMENTS)('%s', (env) => {
    let server: KubeServer;

    beforeAll(async () => {
      server = new KubeServer(bin);
      await server.start();
      // The operators' CRDs, as their installs put them there before our objects arrive.
      for (const dir of readdirSync(CRDS).sort()) {
        const crds = server.kubectl(['apply', '--server-side', '-f', join(CRDS, dir)]);
        if (crds.status !== 0) throw new Error(`CRDs of ${dir}: ${crds.stderr}`);
      }
      const established = server.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
      if (established.status !== 0) throw new Error(established.stderr);
    });
    afterAll(() => server?.stop());

    it(`applies dist/${env}/ in file order, server-side with strict field validation: no error, no warning`, () => {
      const files = readdirSync(join(DIST, env)).filter((f) => f.endsWith('.yaml')).sort();
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const applied = server.kubectl(['apply', '--server-side', '--field-manager=cdc8s', '--validate=strict', '-f', join(DIST, env, file)]);
        expect({ file, status: applied.status, stderr: applied.stderr }).toEqual({ file, status: 0, stderr: '' });
      }
    });

    it(`applies dist/argocd/${env}.yaml (AppProject and Application) into Argo CD's namespace`, () => {
      expect(server.kubectl(['create', 'namespace', 'argocd']).status).toBe(0);
      const applied = server.kubectl(['apply', '--server-side', '--field-manager=cdc8s', '--validate=strict', '-f', join(DIST, 'argocd', `${env}.yaml`)]);
      expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: '' });
    });
  });
});
