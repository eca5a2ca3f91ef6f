import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCustomResource } from '../src/model/apply-order';
import { sharedDir } from '../src/validate/sources';
import { PINNED_FILES } from '../src/validate/upstream';
import { PROMETHEUS_OPERATOR_BUNDLE } from '../src/model/versions';
import { availableOrSkip, cli, copyOfDist, distManifests, ENVIRONMENTS, tempDir } from './helpers';

/**
 * `npm run prerequisites` with stand-ins for kubectl, helm and minikube that record their
 * arguments: the order of the steps, the flags each mode passes, and the refusals. The real
 * kubectl, helm and API server run the same command in e2e/scenarios/getting-started.e2e.ts.
 */
function recorder(servedKinds: readonly string[]) {
  const dir = tempDir();
  const log = join(dir, 'calls.log');
  const served = join(dir, 'api-resources.txt');
  // Columns as kubectl prints them: NAME SHORTNAMES APIVERSION NAMESPACED KIND.
  writeFileSync(served, servedKinds.map((k) => `x x ${k.split(' ')[1]} true ${k.split(' ')[0]}`).join('\n'));
  for (const tool of ['kubectl', 'helm', 'minikube']) {
    const path = join(dir, tool);
    writeFileSync(path, `#!/bin/sh\necho "${tool} $*" >> '${log}'\n[ "$1" = api-resources ] && cat '${served}'\nexit 0\n`);
    chmodSync(path, 0o755);
  }
  const env = { PATH: `${dir}:${process.env.PATH}`, KUBECTL: join(dir, 'kubectl'), HELM: join(dir, 'helm') };
  return { env, calls: () => readFileSync(log, 'utf8').trim().split('\n') };
}

const customKinds = (env: string) => [
  ...new Set(
    distManifests(env)
      .objects.filter((o) => isCustomResource(o.apiVersion))
      .map((o) => `${o.kind} ${o.apiVersion}`),
  ),
];

describe('npm run prerequisites', () => {
  it.each(ENVIRONMENTS)('%s: runs each printed command, in the printed order, then checks the kinds are served', (env) => {
    const { env: vars, calls } = recorder(customKinds(env));
    // The Prometheus Operator's bundle is a pinned download (below), absent from a fresh clone.
    const skip = cli('prerequisites', ['--env', env, '--print']).stdout.includes('bundle.yaml') ? ['--skip', 'prometheus-operator'] : [];
    const ran = cli('prerequisites', ['--env', env, ...skip], { env: vars });
    expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: '' });
    const printed = cli('prerequisites', ['--env', env, '--print', ...skip])
      .stdout.split('\n')
      .filter((line) => /^(kubectl|helm|minikube) /.test(line));
    // The printed commands name upstream's locations; the run resolves a pinned download to its verified copy.
    const normalize = (line: string) =>
      line
        .replaceAll("'", '')
        .replace(/ --field-manager=cdc8s-prerequisites/, '')
        .replace(/ --wait --timeout 10m$/, '')
        .replace(/ \S*\/dist\//g, ' dist/');
    expect(
      calls()
        .filter((c) => !c.startsWith('kubectl api-resources'))
        .map(normalize),
    ).toEqual(printed.map(normalize));
    expect(calls().at(-1)).toBe('kubectl api-resources --no-headers');
    // A real cluster: every operator's rollout is waited for before the next step uses it.
    expect(
      calls()
        .filter((c) => c.startsWith('helm '))
        .every((c) => c.endsWith('--wait --timeout 10m')),
    ).toBe(true);
  });

  it('--api-only: no node step, no rollout wait, no hook; --chart-dir installs each chart from its folder', () => {
    const { env: vars, calls } = recorder(customKinds('minikube'));
    const ran = cli('prerequisites', ['--env', 'minikube', '--api-only', '--chart-dir', '/charts'], { env: vars });
    expect(ran.status).toBe(0);
    expect(calls().some((c) => c.startsWith('minikube '))).toBe(false);
    const helm = calls().filter((c) => c.startsWith('helm '));
    expect(helm.map((c) => c.split(' ')[4])).toEqual(['/charts/strimzi-kafka-operator', '/charts/cert-manager', '/charts/strimzi-access-operator']);
    expect(helm.every((c) => c.endsWith('--no-hooks') && !c.includes('--version') && !c.includes('--wait'))).toBe(true);
  });

  it('fails, naming them, when a kind the output uses is not served after the operators are in', () => {
    const { env: vars } = recorder(customKinds('minikube').filter((k) => !k.startsWith('KafkaAccess ')));
    const ran = cli('prerequisites', ['--env', 'minikube', '--api-only'], { env: { ...vars, CDC8S_PREREQUISITES_CRD_WAIT_MS: '1' } });
    expect(ran.status).toBe(1);
    expect(ran.stderr).toContain('not served after');
    expect(ran.stderr).toContain('KafkaAccess.access.strimzi.io');
  });

  it("the Prometheus Operator's bundle: applied only as its pinned bytes; unreachable, the step fails naming the URL", () => {
    const { env: vars, calls } = recorder(customKinds('eks'));
    const shared = tempDir();
    const ran = cli('prerequisites', ['--env', 'eks'], {
      env: { ...vars, CDC8S_SHARED_DIR: shared, CDC8S_CACHE_DIR: tempDir(), CDC8S_SCHEMA_MIRROR: 'http://127.0.0.1:9' },
    });
    expect(ran.status).toBe(1);
    expect(ran.stderr).toMatch(/^prerequisites: cannot download https:\/\/raw\.githubusercontent\.com\/prometheus-operator\/prometheus-operator\/[0-9a-f]{40}\/bundle\.yaml: /);
    expect(calls().some((c) => c.includes('bundle.yaml'))).toBe(false);
  });

  it('refuses a dist/ that the environment file does not render (run synth first), before running anything', () => {
    const out = copyOfDist();
    writeFileSync(join(out, 'platform', 'minikube.yaml'), '# edited\n');
    const { env: vars } = recorder(customKinds('minikube'));
    const ran = cli('prerequisites', ['--env', 'minikube', '--out', out], { env: vars });
    expect(ran.status).toBe(1);
    expect(ran.stderr).toContain('is not what the environment file renders: run npm run synth first');
  });

  it('an unknown --skip is a usage error that lists the steps', () => {
    const ran = cli('prerequisites', ['--env', 'minikube', '--skip', 'strimzy']);
    expect(ran.status).toBe(2);
    expect(ran.stderr).toContain('no step strimzy (steps: namespaces, strimzi, cert-manager, platform');
  });
});

const bundle = join(sharedDir(), PROMETHEUS_OPERATOR_BUNDLE.path);
describe.runIf(availableOrSkip(existsSync(bundle) ? undefined : `no ${bundle}: put the shared data beside the clone (CI has it) or set CDC8S_SHARED_DIR`))(
  "the Prometheus Operator's pinned bundle",
  () => {
    it("is upstream's bundle.yaml at the tag the CRDs come from (the shared copy's provenance README records the git blob)", () => {
      expect(createHash('sha256').update(readFileSync(bundle)).digest('hex')).toBe(PROMETHEUS_OPERATOR_BUNDLE.sha256);
      expect(PROMETHEUS_OPERATOR_BUNDLE.url).toContain(`/${PINNED_FILES.prometheusOperator[0].url.split('/')[5]}/bundle.yaml`);
    });
  },
);
