import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, DIST } from '../../test/helpers';
import { availableOrSkip } from '../harness/available';
import { buildKube, KubeServer, missingGo } from '../harness/kube';

/**
 * `npm run -s secrets -- --env minikube | sh`, run by sh with the real kubectl against a real
 * Kubernetes 1.35 API server: what it stores, that a second run keeps the values, that copies
 * never disagree, and that --rotate replaces them all.
 */
const ready = availableOrSkip(missingGo());

describe.runIf(ready)('npm run secrets | sh on a real Kubernetes 1.35 API server', () => {
  let server: KubeServer;
  const run = (args: string[] = []) => {
    const script = cli('secrets', ['--env', 'minikube', ...args]);
    if (script.status !== 0) throw new Error(script.stderr);
    const sh = spawnSync('sh', [], {
      input: script.stdout,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PATH: `${dirname(server.bin.kubectl)}:${process.env.PATH}`, KUBECONFIG: server.kubeconfig },
    });
    return { status: sh.status, stderr: sh.stderr };
  };
  /** Every copy as stored: namespace/name → decoded password, and whether a last-applied annotation exists. */
  const stored = () => {
    const got = server.kubectl(['get', 'secrets', '-A', '-l', 'app.kubernetes.io/managed-by=cdc8s', '-o', 'json']);
    return Object.fromEntries(
      JSON.parse(got.stdout).items.map((s: any) => [
        `${s.metadata.namespace}/${s.metadata.name}`,
        {
          password: Buffer.from(s.data.password, 'base64').toString(),
          lastApplied: 'kubectl.kubernetes.io/last-applied-configuration' in (s.metadata.annotations ?? {}),
        },
      ]),
    );
  };

  beforeAll(async () => {
    server = new KubeServer(buildKube('1.35'));
    await server.start();
    const namespaces = server.kubectl(['apply', '--server-side', '-f', join(DIST, 'minikube', '00-namespaces.yaml')]);
    if (namespaces.status !== 0) throw new Error(namespaces.stderr);
  }, 45 * 60_000);
  afterAll(() => server?.stop());

  it('creates every Secret once, copies with one value, no last-applied copy of the values', () => {
    expect(run()).toEqual({ status: 0, stderr: '' });
    const secrets = stored();
    expect(Object.keys(secrets).sort()).toEqual(['cdc-apps/postgres-app', 'cdc-data/postgres-app', 'cdc-data/postgres-debezium', 'cdc-data/postgres-superuser']);
    expect(Object.values(secrets).some((s: any) => s.lastApplied)).toBe(false);
    expect(secrets['cdc-apps/postgres-app']).toEqual(secrets['cdc-data/postgres-app']);
  });

  it('a second run keeps every value (no silent rotation)', () => {
    const before = stored();
    const again = run();
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('kept secret postgres-app in cdc-data cdc-apps');
    expect(stored()).toEqual(before);
  });

  it('refuses to create one copy of a Secret whose other copy exists (they would disagree)', () => {
    const before = stored();
    expect(server.kubectl(['delete', 'secret', 'postgres-app', '-n', 'cdc-apps']).status).toBe(0);
    const partial = run();
    expect(partial.status).toBe(1);
    expect(partial.stderr).toContain('secret postgres-app exists in only 1 of cdc-data cdc-apps');
    expect(stored()['cdc-apps/postgres-app']).toBeUndefined();
    expect(stored()['cdc-data/postgres-app']).toEqual(before['cdc-data/postgres-app']);
  });

  it('--rotate replaces every copy with one new value', () => {
    const before = stored();
    expect(run(['--rotate']).status).toBe(0);
    const after = stored();
    expect(Object.keys(after)).toHaveLength(4);
    for (const key of Object.keys(after).filter((k) => before[k])) expect(after[key].password, key).not.toBe(before[key].password);
    expect(after['cdc-apps/postgres-app']).toEqual(after['cdc-data/postgres-app']);
  });
});
