import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, copyOfDist, envFile, snapshotTree, tempDir } from './helpers';
import { parseProperties, toProperties } from '../src/model/client-properties';

describe('an environment may not be named like a shared output directory', () => {
  it.each(['helm', 'argocd', 'images'])('%s.yaml is refused, and dist/ is left as it was', (name) => {
    const dir = tempDir();
    mkdirSync(join(dir, 'envs'));
    const config = join(dir, 'envs', `${name}.yaml`);
    copyFileSync(envFile('minikube'), config);
    const out = copyOfDist();
    const before = snapshotTree(out);
    const result = cli('synth', ['--config', config, '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${config}: / file name '${name}' is reserved`);
    expect(snapshotTree(out)).toEqual(before);
  });
});

describe('client.properties cannot be given extra lines', () => {
  it('every control character is escaped, and what Java reads back is exactly the value', () => {
    const value = 'a\rb\nc\td\fe\u0001f\u007f';
    const text = toProperties({ 'client.id': value });
    expect(text.split(/\r\n|\r|\n/).filter((l) => l !== '')).toHaveLength(1);
    expect(parseProperties(text)).toEqual({ 'client.id': value });
  });

  it('the policy reads lines as Java does: a bare \\r starts a new entry', () => {
    expect(parseProperties('client.id=x\renable.auto.commit=true\n')).toEqual({ 'client.id': 'x', 'enable.auto.commit': 'true' });
  });
});
