import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderAll, writeAll } from '../src/output/synthesize';
import { writeAtomically } from '../src/output/write';
import { copyOfDist, ENVIRONMENTS, envFile, render, renderVariant, snapshotTree, tempDir } from './helpers';

describe('a failed write leaves the output directory as it was', () => {
  it('a crash while staging files changes nothing', () => {
    const out = copyOfDist();
    const before = snapshotTree(out);
    const rendered = render('eks');
    let written = 0;
    expect(() => writeAtomically(out, rendered.files, rendered.units, {
      beforeEachFile: () => { if (++written === 3) throw new Error('disk full'); },
    })).toThrow('disk full');
    expect(snapshotTree(out)).toEqual(before);
    expect(readdirSync(out).filter((f) => f.startsWith('.cdc8s-staging-'))).toEqual([]);
  });

  it('a crash on the last file of a multi-environment synth leaves every environment as it was', () => {
    const out = copyOfDist();
    const before = snapshotTree(out);
    const rendered = renderAll(ENVIRONMENTS.map(envFile));
    const files = new Map(rendered.flatMap((r) => [...r.files]));
    const last = [...files.keys()].at(-1);
    expect(() => writeAtomically(out, files, rendered.flatMap((r) => r.units), {
      beforeEachFile: (path) => { if (path === last) throw new Error('disk full'); },
    })).toThrow('disk full');
    expect(snapshotTree(out)).toEqual(before);
    writeAll(out, rendered);
    expect(snapshotTree(out)).toEqual(before);
  });

  it('a successful write replaces each output (manifests, Helm chart, Argo CD file) whole, removing stale files', () => {
    const out = copyOfDist();
    writeFileSync(join(out, 'helm', 'cdc8s-eks', 'charts', 'kafka', 'templates', '99-stale.yaml'), 'kind: Leftover\n');
    const variant = renderVariant('eks', (c) => {
      c.consumers = [];
    });
    writeAtomically(out, variant.files, variant.units);
    expect(existsSync(join(out, 'helm', 'cdc8s-eks', 'charts', 'kafka', 'templates', '99-stale.yaml'))).toBe(false);
    expect(existsSync(join(out, 'helm', 'cdc8s-eks', 'charts', 'consumers'))).toBe(false);
    expect(existsSync(join(out, 'eks', '70-consumers.yaml'))).toBe(false);
  });

  it('a successful write replaces the environment whole, removing stale files', () => {
    const out = copyOfDist();
    writeFileSync(join(out, 'eks', '99-stale.yaml'), 'kind: Leftover\n');
    const rendered = render('eks');
    writeAtomically(out, rendered.files, rendered.units);
    expect(existsSync(join(out, 'eks', '99-stale.yaml'))).toBe(false);
    expect(snapshotTree(join(out, 'minikube'))).toEqual(snapshotTree(join(copyOfDist(), 'minikube')));
  });

  it('writes into an empty directory', () => {
    const out = tempDir();
    const rendered = render('gke');
    writeAtomically(out, rendered.files, rendered.units);
    expect(Object.keys(snapshotTree(out)).sort()).toEqual([...rendered.files.keys()].sort());
  });
});
