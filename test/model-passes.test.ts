import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateDocuments } from '../src/validate';
import { loadModelValidator, ModelPasses } from '../src/validate/models';
import { ofKind, parseYamlObjects, ROOT, tempDir } from './helpers';

/**
 * The custom resources npm models check (ExternalSecret, Argo CD, Gateway, GKE policies) are
 * remembered once a model passed them, so an unchanged synth loads no model: the memory holds only
 * passes, keyed by the whole object, so a changed or invalid object is always checked.
 */
const externalSecret = () => ofKind(parseYamlObjects(readFileSync(join(ROOT, 'dist', 'eks', '10-postgres.yaml'), 'utf8')), 'ExternalSecret')[0];

describe('model passes are remembered, failures never', () => {
  it('remembers exactly the object a model passed', async () => {
    const passes = new ModelPasses(tempDir('cdc8s-passes-'));
    const object = externalSecret();
    const validate = (await loadModelValidator(object.apiVersion, object.kind))!;
    expect(validate(object)).toEqual([]);
    expect(passes.has(object)).toBe(false);
    passes.remember(object);
    expect(passes.has(object)).toBe(true);
    expect(passes.has(structuredClone(object))).toBe(true);
    const changed = structuredClone(object);
    changed.spec.refreshInterval = '2h';
    expect(passes.has(changed)).toBe(false);
  });

  it('an invalid object is reported on the second run as on the first (a failure is not remembered)', async () => {
    const bad = externalSecret();
    bad.spec.target = { creationPolicy: 'Sometimes' };
    const sources = { kubernetesDir: tempDir(), strimziCrdsDir: tempDir(), kafkaAccessCrdsDir: tempDir(), certManagerCrdsDir: tempDir(), prometheusOperatorCrdsDir: tempDir() };
    const run = async () => (await validateDocuments([{ where: 'bad.yaml', objects: [bad, externalSecret()] }], sources, { requireSources: false })).problems;
    const first = await run();
    expect(first.map((p) => p.path)).toContain('/spec/target/creationPolicy');
    expect(await run()).toEqual(first);
  });

  it('without a directory nothing is remembered and nothing fails', () => {
    const passes = new ModelPasses(undefined);
    passes.remember(externalSecret());
    expect(passes.has(externalSecret())).toBe(false);
  });
});
