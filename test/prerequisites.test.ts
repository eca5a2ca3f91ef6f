import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HelmRelease, prerequisites } from '../src/output/prerequisites';
import { resolveEnvironment } from '../src/platforms/resolve';
import { ENVIRONMENTS, envFile, file, render, ROOT } from './helpers';

const deploy = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
const table = deploy.slice(deploy.indexOf('## What must exist first'), deploy.indexOf('## The prerequisites in one command'));

/** The plan for one environment, as `npm run prerequisites` and NOTES.txt take it. */
function plan(env: string) {
  const rendered = render(env);
  const resolved = resolveEnvironment(envFile(env));
  return prerequisites({
    env: resolved,
    objects: rendered.manifests.flatMap((m) => m.objects),
    images: rendered.images,
    networkPolicyEnforcement: resolved.platform.networkPolicyEnforcement,
  });
}
const helmReleases = (env: string) => plan(env).flatMap((p) => p.actions.filter((a): a is HelmRelease => a.kind === 'helm'));

describe('what must exist first: one plan for the command, NOTES.txt and the docs', () => {
  it.each(ENVIRONMENTS)('%s: NOTES.txt prints every command of the plan but the namespaces (the chart makes them)', (env) => {
    const notes = file(render(env), `helm/cdc8s-${env}/templates/NOTES.txt`);
    const steps = plan(env);
    for (const step of steps.filter((p) => p.id !== 'namespaces')) {
      for (const command of step.commands) expect(notes, step.id).toContain(command);
    }
    expect(notes).not.toContain(steps.find((p) => p.id === 'namespaces')?.commands[0]);
  });

  /** Each release's row in the docs' table. */
  const ROW: Record<string, string> = {
    strimzi: '| Strimzi operator',
    'cert-manager': '| cert-manager',
    'external-secrets': '| External Secrets Operator',
    'kafka-access-operator': '| Strimzi Kafka Access Operator',
  };
  it.each(ENVIRONMENTS)("%s: every operator the plan installs is in the docs' table, at the version it installs", (env) => {
    for (const release of helmReleases(env)) {
      const row = table.split('\n').find((line) => line.startsWith(ROW[release.release]));
      expect(row ?? `${release.release}: no row in docs/deploy.md`).toContain(` ${release.version.replace(/^v/, '')}`);
    }
  });

  it('EKS and GKE also need External Secrets Operator; minikube does not', () => {
    expect(helmReleases('eks').map((r) => r.release)).toContain('external-secrets');
    expect(helmReleases('gke').map((r) => r.release)).toContain('external-secrets');
    expect(helmReleases('minikube').map((r) => r.release)).not.toContain('external-secrets');
  });

  it("cert-manager comes before the platform file, whose CA Certificate lives in cert-manager's namespace; the namespaces before Strimzi, which binds roles in one", () => {
    for (const env of ENVIRONMENTS) {
      const ids = plan(env).map((p) => p.id);
      expect(ids.indexOf('cert-manager')).toBeLessThan(ids.indexOf('platform'));
      expect(ids.indexOf('namespaces')).toBeLessThan(ids.indexOf('strimzi'));
    }
  });

  it('the Prometheus Operator exactly where observability is on', () => {
    for (const env of ENVIRONMENTS) {
      const on = resolveEnvironment(envFile(env)).config.observability.enabled;
      expect(
        plan(env).some((p) => p.id === 'prometheus-operator'),
        env,
      ).toBe(on);
    }
  });
});
