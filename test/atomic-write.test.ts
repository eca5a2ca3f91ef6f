import { appendFileSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderAll, writeAll } from '../src/output/synthesize';
import { writeAtomically } from '../src/output/write';
import { copyOfDist, ENVIRONMENTS, envFile, render, renderVariant, ROOT, snapshotTree, tempDir } from './helpers';

/**
 * A copy of dist/ where every unit differs from what the source renders (a stray file in each
 * directory, a changed single file), so a write must stage and swap all of them.
 */
function staleCopyOfDist(units: readonly string[]): string {
  const out = copyOfDist();
  for (const unit of units) {
    const path = join(out, unit);
    if (statSync(path).isDirectory()) writeFileSync(join(path, 'stale.txt'), 'from an older synth\n');
    else appendFileSync(path, '# from an older synth\n');
  }
  return out;
}

/** Identity of a file on disk: a swapped-in file is a new inode. */
const inode = (path: string) => statSync(path).ino;

describe('a failed write leaves the output directory as it was', () => {
  it('a crash while staging files changes nothing', () => {
    const rendered = render('eks');
    const out = staleCopyOfDist(rendered.units);
    const before = snapshotTree(out);
    let written = 0;
    expect(() =>
      writeAtomically(out, rendered.files, rendered.units, {
        beforeEachFile: () => {
          if (++written === 3) throw new Error('disk full');
        },
      }),
    ).toThrow('disk full');
    expect(snapshotTree(out)).toEqual(before);
    expect(readdirSync(out).filter((f) => f.startsWith('.cdc8s-staging-'))).toEqual([]);
  });

  it('a crash on the last file of a multi-environment synth leaves every environment as it was', () => {
    const rendered = renderAll(ENVIRONMENTS.map(envFile));
    const out = staleCopyOfDist(rendered.flatMap((r) => r.units));
    const before = snapshotTree(out);
    const files = new Map(rendered.flatMap((r) => [...r.files]));
    const last = [...files.keys()].at(-1);
    let staged = 0;
    expect(() =>
      writeAtomically(
        out,
        files,
        rendered.flatMap((r) => r.units),
        {
          beforeEachFile: (path) => {
            staged++;
            if (path === last) throw new Error('disk full');
          },
        },
      ),
    ).toThrow('disk full');
    expect(staged).toBe(files.size);
    expect(snapshotTree(out)).toEqual(before);
    writeAll(out, rendered);
    expect(snapshotTree(out)).toEqual(snapshotTree(join(ROOT, 'dist')));
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

  it('leaves an output that already holds exactly the rendered files untouched', () => {
    const out = copyOfDist();
    const rendered = renderAll(ENVIRONMENTS.map(envFile));
    const files = new Map(rendered.flatMap((r) => [...r.files]));
    const before = new Map([...files.keys()].map((path) => [path, inode(join(out, path))]));
    let staged = 0;
    writeAtomically(
      out,
      files,
      rendered.flatMap((r) => r.units),
      {
        beforeEachFile: () => {
          staged++;
        },
      },
    );
    expect(staged).toBe(0);
    expect(new Map([...files.keys()].map((path) => [path, inode(join(out, path))]))).toEqual(before);
  });

  it('replaces only the outputs that changed, each whole', () => {
    const out = copyOfDist();
    const argocd = inode(join(out, 'argocd', 'eks.yaml'));
    const manifest = inode(join(out, 'eks', '10-postgres.yaml'));
    const variant = renderVariant('eks', (c) => {
      c.consumers[0].replicas = 3;
    });
    writeAtomically(out, variant.files, variant.units);
    expect(inode(join(out, 'argocd', 'eks.yaml'))).toBe(argocd);
    expect(inode(join(out, 'eks', '10-postgres.yaml'))).not.toBe(manifest);
    expect(snapshotTree(join(out, 'eks'))['70-consumers.yaml']).toContain('replicas: 3');
  });

  it('writes into an empty directory', () => {
    const out = tempDir();
    const rendered = render('gke');
    writeAtomically(out, rendered.files, rendered.units);
    expect(Object.keys(snapshotTree(out)).sort()).toEqual([...rendered.files.keys()].sort());
  });
});
