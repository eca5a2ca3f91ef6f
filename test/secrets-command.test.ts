import { describe, expect, it } from 'vitest';
import { cli, parseYamlObjects } from './helpers';

describe('npm run secrets', () => {
  it('prints a Secret for every one the minikube manifests reference, with random passwords', () => {
    const result = cli('secrets', ['--env', 'minikube']);
    expect(result.status).toBe(0);
    const secrets = parseYamlObjects(result.stdout);
    expect(secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort()).toEqual([
      'cdc-apps/postgres-app', 'cdc-data/postgres-app', 'cdc-data/postgres-debezium', 'cdc-data/postgres-superuser',
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

  it('leaves the consumers\' Kafka Secrets to the Kafka Access Operator: nothing to copy by hand', () => {
    const result = cli('secrets', ['--env', 'minikube']);
    const names = parseYamlObjects(result.stdout).map((s) => s.metadata.name);
    expect(names).not.toContain('ledger-projector-kafka');
    expect(result.stderr).not.toContain('kubectl get secret');
  });

  it('generates new passwords on every run (they are never stored)', () => {
    const a = parseYamlObjects(cli('secrets', ['--env', 'minikube']).stdout)[0].stringData.password;
    const b = parseYamlObjects(cli('secrets', ['--env', 'minikube']).stdout)[0].stringData.password;
    expect(a).not.toBe(b);
  });

  it('on EKS, refuses and lists the Secrets Manager entries to create instead', () => {
    const result = cli('secrets', ['--env', 'eks']);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('AWS Secrets Manager secret cdc8s/eks/postgres-debezium');
  });
});
