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

  it('leaves the Secrets Strimzi writes to Strimzi, and prints how to copy them to the consumers', () => {
    const result = cli('secrets', ['--env', 'minikube']);
    const copies = result.stderr.split('\n').filter((line) => line.includes('kubectl get secret'));
    expect(copies.map((line) => line.trim().split(':')[0]).sort()).toEqual(['cdc-apps/cdc-cluster-ca-cert', 'cdc-apps/fraud-scorer', 'cdc-apps/ledger-projector']);
    for (const line of copies) {
      expect(line).toMatch(/kubectl get secret \S+ -n cdc-streaming -o json \| jq .* namespace: "cdc-apps".* \| kubectl apply -f -$/);
    }
  });

  it('--kafka-copies prints only the copy commands, ready for sh, on every platform', () => {
    for (const env of ['minikube', 'eks']) {
      const result = cli('secrets', ['--env', env, '--kafka-copies']);
      expect(result.status).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(line).toMatch(/^kubectl get secret \S+ -n cdc-streaming -o json \| jq /);
    }
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
