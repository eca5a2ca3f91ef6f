import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cli, RenderedObject } from './helpers';

/** The Secrets a `npm run secrets` script would create, from its heredocs. */
function secretsOf(script: string): RenderedObject[] {
  return [...script.matchAll(/<<'CDC8S_SECRET'\n(.*)\nCDC8S_SECRET$/gm)].flatMap((m) => JSON.parse(m[1]).items);
}

/** The proof on a real API server with the real kubectl: e2e/scenarios/secrets-script.e2e.ts. */
describe('npm run secrets', () => {
  it('prints a script creating every Secret the minikube manifests reference, with random passwords', () => {
    const result = cli('secrets', ['--env', 'minikube']);
    expect(result.status).toBe(0);
    expect(result.stdout.startsWith('#!/bin/sh\n')).toBe(true);
    const secrets = secretsOf(result.stdout);
    expect(secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort()).toEqual([
      'cdc-apps/postgres-app',
      'cdc-data/postgres-app',
      'cdc-data/postgres-debezium',
      'cdc-data/postgres-superuser',
    ]);
    for (const s of secrets) {
      expect(s.kind).toBe('Secret');
      expect(s.stringData.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    }
    // The API's copy must match the one the database was initialised with.
    const app = secrets.filter((s) => s.metadata.name === 'postgres-app').map((s) => s.stringData.password);
    expect(new Set(app).size).toBe(1);
    const distinct = new Set(secrets.map((s) => s.stringData.password));
    expect(distinct.size).toBe(3);
  });

  it('keeps values off command lines and out of last-applied annotations: kubectl create, manifests on standard input', () => {
    const { stdout } = cli('secrets', ['--env', 'minikube']);
    const commands = stdout.split('\n').filter((line) => !line.startsWith('{') && !line.startsWith('#'));
    for (const s of secretsOf(stdout)) expect(commands.join('\n')).not.toContain(s.stringData.password);
    expect(stdout).not.toMatch(/kubectl apply/);
    expect(stdout).toMatch(/^ {4}kubectl create -f -$/m);
  });

  it('keeps existing Secrets unless --rotate', () => {
    expect(cli('secrets', ['--env', 'minikube']).stdout).toMatch(/^rotate=no$/m);
    expect(cli('secrets', ['--env', 'minikube', '--rotate']).stdout).toMatch(/^rotate=yes$/m);
  });

  it("leaves the consumers' Kafka Secrets to the Kafka Access Operator: nothing to copy by hand", () => {
    const result = cli('secrets', ['--env', 'minikube']);
    const names = secretsOf(result.stdout).map((s) => s.metadata.name);
    expect(names).not.toContain('ledger-projector-kafka');
    expect(result.stderr).not.toContain('kubectl get secret');
  });

  it('generates new passwords on every run (they are never stored)', () => {
    const a = secretsOf(cli('secrets', ['--env', 'minikube']).stdout)[0].stringData.password;
    const b = secretsOf(cli('secrets', ['--env', 'minikube']).stdout)[0].stringData.password;
    expect(a).not.toBe(b);
  });

  it.each(['eks', 'gke'])('on %s, lists the secret manager entries to create, as comments: exit 0, and `| sh` does nothing', (env) => {
    const result = cli('secrets', ['--env', env]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain(env === 'eks' ? 'AWS Secrets Manager secret cdc8s/eks/postgres-debezium' : 'postgres-debezium');
    expect(
      result.stdout
        .trim()
        .split('\n')
        .every((line) => line.startsWith('#')),
    ).toBe(true);
    // No kubectl on PATH: a command in it would fail.
    const sh = spawnSync('/bin/sh', [], { input: result.stdout, encoding: 'utf8', env: { PATH: '/nonexistent' } });
    expect({ status: sh.status, stdout: sh.stdout, stderr: sh.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});
