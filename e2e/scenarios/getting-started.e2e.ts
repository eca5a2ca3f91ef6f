import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, DIST, distManifests, ROOT, tempDir } from '../../test/helpers';
import { availableOrSkip } from '../harness/available';
import { buildKube, KubeServer, missingGo, SHARED_CRDS } from '../harness/kube';
import { sharedDir } from '../../src/validate/sources';
import { CERT_MANAGER_VERSION, KAFKA_ACCESS_OPERATOR_VERSION } from '../../src/model/versions';
import { STRIMZI_VERSION } from '../../src/model/strimzi';
import { RenderedObject } from '../../src/model/rendered-object';

/**
 * The README's minikube sequence on a real Kubernetes 1.35 API server (built from source), with the
 * real kubectl and helm: `npm run prerequisites` (namespaces, the operators from their upstream
 * charts, the platform file), `npm run secrets | sh`, `kubectl apply -f dist/minikube/`. The charts
 * are upstream's sources at the pinned tags (../shared/charts); with `--chart-dir` the command
 * installs them instead of pulling the same versions from their OCI registries.
 *
 * A bare API server runs no pod, so `--api-only`: the node steps (the database directory, the image
 * builds), the operators' rollouts and their webhooks are what only a real cluster checks.
 */
const CHARTS = join(sharedDir(), 'charts');
/** Each chart the outputs need (External Secrets aside, below): its folder in ../shared/charts and the release version its Chart.yaml leaves as a placeholder. */
const UPSTREAM_CHARTS = [
  { folder: `strimzi-kafka-operator-${STRIMZI_VERSION}`, chart: 'strimzi-kafka-operator', version: STRIMZI_VERSION },
  { folder: `cert-manager-${CERT_MANAGER_VERSION}`, chart: 'cert-manager', version: `v${CERT_MANAGER_VERSION}` },
  { folder: `strimzi-access-operator-${KAFKA_ACCESS_OPERATOR_VERSION}`, chart: 'strimzi-access-operator', version: KAFKA_ACCESS_OPERATOR_VERSION },
];
const missingCharts = () => {
  const absent = UPSTREAM_CHARTS.filter((c) => !existsSync(join(CHARTS, c.folder, c.chart, 'Chart.yaml')));
  return absent.length
    ? `no upstream charts ${absent.map((c) => c.folder).join(', ')} in ${CHARTS}: put the shared data beside the clone (CI has it) or set CDC8S_SHARED_DIR`
    : undefined;
};
const ready = availableOrSkip(missingGo()) && availableOrSkip(missingCharts());

/**
 * minikube as the README runs it. EKS the same way, except External Secrets Operator: its chart's
 * source has no CRDs (its release generates them, and it needs a subchart from the network), so
 * its CRDs at the same release come from ../shared/crds, as the platform's install would bring them.
 */
const SEQUENCES = [
  { platform: 'minikube', skip: [] as string[], platformCrds: [] as string[], groups: [] as string[] },
  {
    platform: 'eks',
    skip: ['--skip', 'external-secrets'],
    platformCrds: ['external-secrets-2.9.0'],
    groups: ['external-secrets.io', 'generators.external-secrets.io', 'monitoring.coreos.com'],
  },
];

describe.runIf(ready).each(SEQUENCES)("the docs' $platform sequence on a real Kubernetes 1.35 API server", ({ platform, skip, platformCrds, groups }) => {
  let server: KubeServer;
  let chartDir: string;
  let env: Record<string, string>;
  const objects = distManifests(platform).objects as RenderedObject[];
  const prerequisites = (args: string[]) => cli('prerequisites', ['--env', platform, '--api-only', '--chart-dir', chartDir, ...skip, ...args], { env });

  beforeAll(async () => {
    server = new KubeServer(buildKube('1.35'));
    await server.start();
    // The charts as their release packages them: `helm package --version <v> --app-version <v>`
    // fills the placeholders of Chart.yaml (../shared/charts/*/README.md); nothing else differs.
    chartDir = tempDir();
    for (const { folder, chart, version } of UPSTREAM_CHARTS) {
      cpSync(join(CHARTS, folder, chart), join(chartDir, chart), { recursive: true });
      const manifest = join(chartDir, chart, 'Chart.yaml');
      writeFileSync(
        manifest,
        readFileSync(manifest, 'utf8')
          .replace(/^version: .*$/m, `version: ${version}`)
          .replace(/^appVersion: .*$/m, `appVersion: "${version}"`),
      );
    }
    if (platformCrds.length > 0) server.installCrds(SHARED_CRDS, (upstream) => platformCrds.includes(upstream));
    env = {
      PATH: `${dirname(server.bin.kubectl)}:${process.env.PATH}`,
      KUBECONFIG: server.kubeconfig,
      HELM_CONFIG_HOME: join(server.dir, 'helm-config'),
      HELM_CACHE_HOME: join(server.dir, 'helm-cache'),
      HELM_DATA_HOME: join(server.dir, 'helm-data'),
    };
  }, 45 * 60_000);
  afterAll(() => server?.stop());

  const sh = (script: string) => spawnSync('sh', [], { input: script, cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });

  it('npm run prerequisites: the namespaces, Strimzi, cert-manager and the Kafka Access Operator from their charts, every CRD established', () => {
    // cert-manager's webhooks answer from its pods, which a bare API server does not run: the
    // platform file (a CA Certificate) follows once they are out of the way (next test).
    const first = prerequisites(['--skip', 'platform']);
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    expect(first.stdout).toContain('every custom resource kind the output uses is served');
    const releases = JSON.parse(server.kubectl(['get', 'secrets', '-A', '-l', 'owner=helm', '-o', 'json']).stdout).items.map(
      (s: any) => `${s.metadata.namespace}/${s.metadata.labels.name}`,
    );
    expect(releases.sort()).toEqual(['cert-manager/cert-manager', 'strimzi-access-operator/kafka-access-operator', 'strimzi/strimzi']);

    // name, group, Established (the full JSON is megabytes).
    const crds = server
      .kubectl(['get', 'crd', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.group} {.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}'])
      .stdout.trim()
      .split('\n')
      .map((line) => line.split(' '));
    expect(crds.filter(([, , established]) => established !== 'True').map(([name]) => name)).toEqual([]);
    expect([...new Set(crds.map(([, group]) => group))].sort()).toEqual(
      ['access.strimzi.io', 'acme.cert-manager.io', 'cert-manager.io', 'core.strimzi.io', 'kafka.strimzi.io', ...groups].sort(),
    );
    // Strimzi watches the streaming namespace: the chart put its RoleBindings there.
    const bindings = JSON.parse(server.kubectl(['get', 'rolebindings', '-n', 'cdc-streaming', '-o', 'json']).stdout).items;
    expect(bindings.map((b: any) => b.metadata.name)).toEqual(expect.arrayContaining(['strimzi-cluster-operator', 'strimzi-cluster-operator-entity-operator-delegation']));
  });

  it('a second run (helm upgrade --install) succeeds and applies the platform file (cert-manager left as it is)', () => {
    for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) server.kubectl(['delete', kind, 'cert-manager-webhook', '--ignore-not-found']);
    const again = prerequisites(['--skip', 'cert-manager']);
    expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
    const guard = JSON.parse(server.kubectl(['get', 'validatingadmissionpolicies', '-o', 'json']).stdout).items;
    expect(guard.length).toBeGreaterThan(0);
  });

  it(`npm run -s secrets -- --env ${platform} | sh`, () => {
    const script = cli('secrets', ['--env', platform]);
    expect(script.status).toBe(0);
    const ran = sh(script.stdout);
    expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it(`kubectl apply -f dist/${platform}/: every object admitted, no error, no warning`, () => {
    const applied = sh(`kubectl apply -f ${join(DIST, platform)}/`);
    expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: '' });
    const file = join(server.dir, 'objects.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    const got = server.kubectl(['get', '-f', file, '-o', 'json']);
    expect(got.stderr).toBe('');
    expect(JSON.parse(got.stdout).items).toHaveLength(objects.length);
  });
});
