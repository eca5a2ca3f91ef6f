import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cli, ENVIRONMENTS, ROOT, snapshotTree, tempDir } from './helpers';

describe('same input, same bytes out', () => {
  it('two synths of every environment produce identical files', () => {
    const a = tempDir();
    const b = tempDir();
    expect(cli('synth', ['--out', a]).status).toBe(0);
    expect(cli('synth', ['--out', b]).status).toBe(0);
    const first = snapshotTree(a);
    expect(Object.keys(first).length).toBeGreaterThan(10);
    expect(snapshotTree(b)).toEqual(first);
  });

  it('the synth writes exactly the committed dist/', () => {
    const out = tempDir();
    expect(cli('synth', ['--out', out]).status).toBe(0);
    expect(snapshotTree(out)).toEqual(snapshotTree(join(ROOT, 'dist')));
  });

  it('--env renders one environment and leaves the others alone', () => {
    const out = tempDir();
    expect(cli('synth', ['--env', 'eks', '--out', out]).status).toBe(0);
    const files = Object.keys(snapshotTree(out));
    const owned = ['eks/', 'helm/cdc8s-eks/', 'argocd/eks.yaml', 'platform/eks.yaml', 'images/postgres-debezium/eks/'];
    expect(files.filter((f) => !owned.some((prefix) => f.startsWith(prefix)))).toEqual([]);
    expect(files).toContain('eks/00-namespaces.yaml');
    for (const other of ENVIRONMENTS.filter((e) => e !== 'eks')) {
      expect(files.some((f) => f.includes(other))).toBe(false);
    }
  });

  it('resource names carry no generated hash suffix', () => {
    const out = tempDir();
    cli('synth', ['--out', out]);
    const names =
      Object.values(snapshotTree(out))
        .join('\n')
        .match(/^ {2}name: .+$/gm) ?? [];
    expect(names.length).toBeGreaterThan(20);
    for (const line of names) expect(line).not.toMatch(/-c8[0-9a-f]{6,}$/);
  });
});
