import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, file, render, ROOT } from './helpers';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### What must exist first'), readme.indexOf('### With kubectl'));

/** The install commands the chart's NOTES.txt prints (indented under their prerequisite), one per line. */
function noteCommands(env: string): string[] {
  const notes = file(render(env), `helm/cdc8s-${env}/templates/NOTES.txt`);
  const list = notes.slice(notes.indexOf('Not bundled'), notes.indexOf('{{-'));
  return list
    .split('\n')
    .filter((line) => /^ {4}(helm install|kubectl apply)/.test(line))
    .map((line) => line.trim().replace(/ \\$/, ''));
}

describe('the README and NOTES.txt list every operator to install first, with its command', () => {
  it.each(ENVIRONMENTS)('%s: each operator NOTES.txt installs is in the README, the same command', (env) => {
    const commands = noteCommands(env);
    expect(commands.map((c) => c.split(' ')[2] ?? c)).toEqual(expect.arrayContaining(['strimzi', 'cert-manager', 'kafka-access-operator']));
    for (const command of commands) expect(section, command).toContain(command.replaceAll(env, '<env>'));
  });

  it('EKS and GKE also need External Secrets Operator; minikube does not', () => {
    expect(noteCommands('eks').some((c) => c.includes('external-secrets'))).toBe(true);
    expect(noteCommands('gke').some((c) => c.includes('external-secrets'))).toBe(true);
    expect(noteCommands('minikube').some((c) => c.includes('external-secrets'))).toBe(false);
  });

  it("cert-manager comes before the platform file, whose CA Certificate lives in cert-manager's namespace", () => {
    const commands = noteCommands('eks');
    expect(commands.findIndex((c) => c.includes('cert-manager'))).toBeLessThan(commands.findIndex((c) => c.includes('dist/platform/eks.yaml')));
  });
});
