import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CodeCache } from '../src/compiled/code-cache';
import { KubernetesSchemas } from '../src/validate/kubernetes';
import { StrimziSchemas } from '../src/validate/strimzi';
import { cli, copyOfDist, RenderedObject, ofKind, parseYamlObjects, ROOT, snapshotTree, tempDir } from './helpers';
import { schemasAvailable, SHARED_SCHEMAS } from './k8s-schemas';
import { crdsAvailable, STRIMZI_CRDS } from './strimzi-crds';

/** A cache that counts how often it had to generate code (zero: everything came from disk). */
class CountingCache extends CodeCache {
  generated = 0;

  override load(key: string, generate: () => string): unknown {
    return super.load(key, () => {
      this.generated++;
      return generate();
    });
  }
}

const distObjects = (file: string) => parseYamlObjects(readFileSync(join(ROOT, 'dist', file), 'utf8'));
const deployment = () => ofKind(distObjects('eks/60-api.yaml'), 'Deployment')[0];
const kafka = () => ofKind(distObjects('eks/20-kafka.yaml'), 'Kafka')[0];

/** The errors a validator reports for an object, as the report shows them. */
function verdict(validate: ((o: unknown) => boolean) & { errors?: unknown }, object: unknown) {
  return { valid: validate(object), errors: structuredClone(validate.errors ?? null) };
}

function brokenDeployment(): RenderedObject {
  const d = deployment();
  d.spec.replicas = 'three';
  d.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
  d.spec.template.spec.containers[0].livenessProbe.httpGet.bogus = true;
  return d;
}

describe.runIf(schemasAvailable() && crdsAvailable())('validators are generated once and kept; the kept code decides exactly as fresh code', () => {
  it('a Kubernetes validator from the cache reports the same problems as the one generated for it, and a warm run generates nothing', () => {
    const dir = tempDir('cdc8s-cache-');
    const cold = new CountingCache(dir);
    const fresh = new KubernetesSchemas('v1.30.0', SHARED_SCHEMAS, cold).validatorFor('apps/v1', 'Deployment');
    expect(cold.generated).toBe(1);
    const warm = new CountingCache(dir);
    const kept = new KubernetesSchemas('v1.30.0', SHARED_SCHEMAS, warm).validatorFor('apps/v1', 'Deployment');
    expect(warm.generated).toBe(0);
    for (const object of [deployment(), brokenDeployment()]) expect(verdict(kept!, object)).toEqual(verdict(fresh!, object));
    expect(verdict(kept!, brokenDeployment()).valid).toBe(false);
  });

  it('the same for a Strimzi CRD validator, and for a kind a source does not serve', () => {
    const dir = tempDir('cdc8s-cache-');
    const cold = new StrimziSchemas(STRIMZI_CRDS, new CodeCache(dir));
    const fresh = cold.validatorFor('kafka.strimzi.io/v1', 'Kafka')!;
    expect(cold.validatorFor('kafka.strimzi.io/v1beta2', 'Kafka')).toBeUndefined();
    const warm = new CountingCache(dir);
    const schemas = new StrimziSchemas(STRIMZI_CRDS, warm);
    const kept = schemas.validatorFor('kafka.strimzi.io/v1', 'Kafka')!;
    expect(schemas.validatorFor('kafka.strimzi.io/v1beta2', 'Kafka')).toBeUndefined();
    expect(warm.generated).toBe(0);
    const broken = { ...kafka(), spec: { ...kafka().spec, zookeeper: { replicas: 3 } } };
    for (const object of [kafka(), broken]) expect(verdict(kept, object)).toEqual(verdict(fresh, object));
    expect(verdict(kept, broken).valid).toBe(false);
  });

  it('a changed schema file gets new code: the kept validator of the old schema is never used for it', () => {
    const schemas = tempDir('cdc8s-schemas-');
    copyFileSync(join(SHARED_SCHEMAS, 'v1.30.0.json'), join(schemas, 'v1.30.0.json'));
    const dir = tempDir('cdc8s-cache-');
    expect(new KubernetesSchemas('v1.30.0', schemas, new CodeCache(dir)).validatorFor('apps/v1', 'Deployment')!(deployment())).toBe(true);

    const file = join(schemas, 'v1.30.0.json');
    const definitions = JSON.parse(readFileSync(file, 'utf8'));
    delete definitions.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties.revisionHistoryLimit;
    writeFileSync(file, JSON.stringify(definitions));
    const validate = new KubernetesSchemas('v1.30.0', schemas, new CodeCache(dir)).validatorFor('apps/v1', 'Deployment')!;
    expect(validate(deployment())).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'additionalProperties', instancePath: '/spec', params: { additionalProperty: 'revisionHistoryLimit' } });
  });

  it('a damaged entry is made again, and V8 code caches are kept beside the code', () => {
    const dir = tempDir('cdc8s-cache-');
    const first = new CodeCache(dir);
    new KubernetesSchemas('v1.35.0', SHARED_SCHEMAS, first).validatorFor('apps/v1', 'Deployment')!(deployment());
    first.saveCompiled();
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.js'))).toHaveLength(1);
    expect(files.filter((f) => f.includes('.js.v8-'))).toHaveLength(1);
    for (const f of files) writeFileSync(join(dir, f), 'this is not JavaScript (');

    const again = new CountingCache(dir);
    const validate = new KubernetesSchemas('v1.35.0', SHARED_SCHEMAS, again).validatorFor('apps/v1', 'Deployment')!;
    expect(again.generated).toBe(1);
    expect(validate(deployment())).toBe(true);
    expect(validate(brokenDeployment())).toBe(false);
    expect(
      readFileSync(
        join(
          dir,
          files.find((f) => f.endsWith('.js'))!,
        ),
        'utf8',
      ),
    ).toContain('module.exports');
  });
});

describe('the commands with an empty, a warm and an unusable cache', () => {
  let bad: string;
  beforeAll(() => {
    bad = join(tempDir('cdc8s-bad-'), 'bad.yaml');
    const config = readFileSync(join(ROOT, 'environments', 'eks.yaml'), 'utf8').replace(
      'replicas: 3\n  resources:\n    requests: { cpu: 500m',
      'replicas: 1\n  resources:\n    requests: { cpu: 500m',
    );
    writeFileSync(bad, config);
  });

  it('a bad config is reported the same way by a first run (nothing cached) and a second', () => {
    const cache = tempDir('cdc8s-cache-');
    const first = cli('synth', ['--config', bad, '--out', tempDir()], { env: { CDC8S_CACHE_DIR: cache } });
    expect(readdirSync(cache).length).toBeGreaterThan(0);
    const second = cli('synth', ['--config', bad, '--out', tempDir()], { env: { CDC8S_CACHE_DIR: cache } });
    expect(first.status).toBe(1);
    expect(first.stderr).toContain('/api/replicas');
    expect(second).toEqual(first);
  });

  it('a synth whose cache cannot be written still writes exactly the committed dist/', () => {
    const notADirectory = join(tempDir(), 'file');
    writeFileSync(notADirectory, '');
    const out = copyOfDist();
    mkdirSync(join(out, 'eks', 'stale'), { recursive: true });
    const result = cli('synth', ['--out', out, '--no-validate'], { env: { CDC8S_CACHE_DIR: join(notADirectory, 'cache') } });
    expect(result.status, result.stderr).toBe(0);
    expect(snapshotTree(out)).toEqual(snapshotTree(join(ROOT, 'dist')));
    expect(statSync(notADirectory).isFile()).toBe(true);
  });
});
