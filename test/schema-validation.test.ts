import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { validateDocuments } from '../src/validate';
import { localSchemaSources } from '../src/validate/sources';
import { helm } from './helm';
import { cli, copyOfDist, ENVIRONMENTS, objectsOf, render, ROOT, snapshotTree, tempDir } from './helpers';
import { schemasAvailable } from './k8s-schemas';
import { crdsAvailable } from './strimzi-crds';

const sources = localSchemaSources();
const EVERY_KIND_VALIDATED = /^validate: not validated: none$/m;

/** A manifest file with the given objects, for `validate --file`. */
function manifestFile(objects: object[]): string {
  const path = join(tempDir(), 'objects.yaml');
  writeFileSync(path, objects.map((o) => stringify(o)).join('---\n'));
  return path;
}

describe.skipIf(!schemasAvailable() || !crdsAvailable())('npm run validate: every rendered object is valid against its upstream schema', () => {
  it.each(ENVIRONMENTS)('%s: 0 invalid objects, every kind covered (manifests and Argo CD file)', async (name) => {
    const rendered = render(name);
    const report = await validateDocuments(
      rendered.documents.map((d) => ({ where: d.path, objects: d.objects })),
      sources,
      { requireSources: true },
    );
    expect(report.problems).toEqual([]);
    expect([...report.notValidated]).toEqual([]);
    expect(report.objectCount).toBe(rendered.documents.reduce((n, d) => n + d.objects.length, 0));
  });

  it('the command checks all environments and prints what it checked against what', () => {
    const result = cli('validate', []);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^validate: \d+ objects, 0 invalid: \d+ against Kubernetes v1\.30\.0 \+ v1\.35\.0 \(strict\), .*\d+ against Strimzi 1\.2\.0 CRDs \(strict\)/m);
    for (const model of ['external-secrets', 'gateway-api', 'gke', 'argo-cd']) expect(result.stdout).toContain(`@kubernetes-models/${model} (model)`);
    expect(result.stdout).toMatch(EVERY_KIND_VALIDATED);
  });

  it.each(ENVIRONMENTS)("%s: the Helm chart's template output is valid", (name) => {
    const template = helm(['template', 'cdc8s', join(ROOT, 'dist', 'helm', `cdc8s-${name}`)]);
    expect(template.status, template.stderr).toBe(0);
    const result = cli('validate', ['--file', '-'], { input: template.stdout });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^validate: \d+ objects, 0 invalid/m);
    expect(result.stdout).toMatch(EVERY_KIND_VALIDATED);
  });

  it('an unknown field in a built-in object is reported with the file, the object, the JSON path and the schema', () => {
    const deployment = objectsOf(render('eks')).find((o) => o.kind === 'Deployment');
    const broken = { ...deployment, spec: { ...deployment?.spec, replica: 2 } };
    const file = manifestFile([broken]);
    const result = cli('validate', ['--file', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}: Deployment cdc-apps/${deployment?.metadata.name}: /spec/replica is not a known field (Kubernetes v1.30.0)`);
    expect(result.stderr).toContain('(Kubernetes v1.35.0)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a v1beta2-era field in a Strimzi object is rejected against the CRD', () => {
    const kafka = objectsOf(render('eks')).find((o) => o.kind === 'Kafka');
    const file = manifestFile([{ ...kafka, spec: { ...kafka?.spec, zookeeper: { replicas: 3 } } }]);
    const result = cli('validate', ['--file', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Kafka cdc-streaming/cdc: /spec/zookeeper is not a known field (Strimzi 1.2.0 CRDs (strict))');
  });

  it('checks the metadata of custom resources against ObjectMeta, as the API server does', () => {
    const topic = objectsOf(render('eks')).find((o) => o.kind === 'KafkaTopic');
    const file = manifestFile([{ ...topic, metadata: { ...topic?.metadata, label: { a: 'b' } } }]);
    const result = cli('validate', ['--file', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`KafkaTopic cdc-streaming/${topic?.metadata.name}: /metadata/label is not a known field (Kubernetes v1.30.0 ObjectMeta)`);
  });

  it('an API that the oldest supported Kubernetes does not serve is rejected', () => {
    const file = manifestFile([
      { apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '10.0.0.1' }, spec: { parentRef: { resource: 'services', name: 'x' } } },
    ]);
    const result = cli('validate', ['--file', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('IPAddress 10.0.0.1: / networking.k8s.io/v1 IPAddress is not served by Kubernetes v1.30.0');
  });

  it('a custom resource without a model is listed as not validated', () => {
    const file = manifestFile([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    const result = cli('validate', ['--file', file]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('validate: not validated: example.com/v1 Widget (no schema available)');
  });

  it('a model rejects a wrong type in an ExternalSecret', () => {
    const external = objectsOf(render('eks')).find((o) => o.kind === 'ExternalSecret');
    const file = manifestFile([{ ...external, spec: { ...external?.spec, refreshInterval: 3600 } }]);
    const result = cli('validate', ['--file', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('/spec/refreshInterval must be string (@kubernetes-models/external-secrets)');
  });
});

describe('missing schema sources', () => {
  const nowhere = join(tempDir(), 'nothing-here');

  it('outside CI: says what to download, lists the kinds it could not validate, and passes', () => {
    const result = cli('validate', ['--env', 'minikube', '--k8s-schemas', nowhere, '--crds', nowhere], { env: { CI: undefined } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`Kubernetes JSON schemas not found in ${nowhere}`);
    expect(result.stderr).toContain('npm run fetch-schemas');
    expect(result.stderr).toContain('github.com/strimzi/strimzi-kafka-operator/releases/tag/1.2.0');
    expect(result.stdout).toContain('v1 Service (Kubernetes schemas missing)');
    expect(result.stdout).toContain('kafka.strimzi.io/v1 Kafka (Strimzi CRDs missing)');
  });

  it('under CI=true: fails, and synth writes nothing', () => {
    expect(cli('validate', ['--env', 'minikube', '--crds', nowhere], { env: { CI: 'true' } }).status).toBe(1);
    const out = copyOfDist();
    const before = snapshotTree(out);
    const synth = cli('synth', ['--out', out, '--k8s-schemas', nowhere], { env: { CI: 'true' } });
    expect(synth.status).toBe(1);
    // Where the other sources must be downloaded and cannot be (no network), a warning line comes first.
    expect(synth.stderr.trim()).toMatch(/^validate: Kubernetes JSON schemas not found in .*nothing-here/m);
    expect(snapshotTree(out)).toEqual(before);
  });

  it('--no-validate skips the step', () => {
    const out = copyOfDist();
    const synth = cli('synth', ['--out', out, '--k8s-schemas', nowhere, '--no-validate'], { env: { CI: 'true' } });
    expect(synth.status, synth.stderr).toBe(0);
    expect(synth.stdout).not.toContain('validate:');
  });
});

describe.skipIf(!schemasAvailable() || !crdsAvailable())('validation is a step of every synth', () => {
  it('validates by default and reports it', () => {
    const synth = cli('synth', ['--out', copyOfDist()]);
    expect(synth.status, synth.stderr).toBe(0);
    expect(synth.stdout).toMatch(/^validate: \d+ objects, 0 invalid/m);
  });

  it('an object the schemas reject fails the synth and leaves the output untouched', () => {
    // Kubernetes schemas in which Deployments do not exist: every environment's API breaks them.
    const schemas = tempDir();
    for (const version of ['v1.30.0', 'v1.35.0']) {
      const doc = JSON.parse(readFileSync(join(sources.kubernetesDir, `${version}.json`), 'utf8'));
      delete doc.definitions['io.k8s.api.apps.v1.Deployment'];
      mkdirSync(schemas, { recursive: true });
      writeFileSync(join(schemas, `${version}.json`), JSON.stringify(doc));
    }
    const out = copyOfDist();
    const before = snapshotTree(out);
    const synth = cli('synth', ['--out', out, '--k8s-schemas', schemas]);
    expect(synth.status).toBe(1);
    expect(synth.stderr).toContain(`${out}/eks/60-api.yaml: Deployment cdc-apps/`);
    expect(synth.stderr).toContain('apps/v1 Deployment is not served by Kubernetes v1.30.0');
    expect(snapshotTree(out)).toEqual(before);
  });
});
