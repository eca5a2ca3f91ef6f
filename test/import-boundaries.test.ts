import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers';

/**
 * The folders of src/ and what each may import, lowest first. Data flows config → platforms →
 * charts → constructs → output; imports point only down this list, so a folder never needs one
 * above it. Shared vocabulary (value types, durability, pins, paths, the rendered object) is the
 * leaf, model/. policy/ and validate/ read only the model and the rendered objects they are given.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  model: [],
  compiled: ['model'],
  config: ['model', 'compiled'],
  constructs: ['model'],
  platforms: ['model', 'config', 'constructs'],
  policy: ['model'],
  validate: ['model', 'compiled'],
  charts: ['model', 'config', 'constructs', 'platforms', 'policy'],
  output: ['model', 'config', 'constructs', 'platforms', 'policy', 'charts'],
  diff: ['model', 'constructs'],
  cli: ['model', 'config', 'constructs', 'platforms', 'policy', 'validate', 'charts', 'output', 'diff', 'compiled'],
  index: ['model', 'config', 'constructs', 'platforms', 'policy', 'charts', 'output'],
};

interface Edge {
  readonly from: string;
  readonly to: string;
}

const SRC = join(ROOT, 'src');

/** src/<folder>/… → folder; src/index.ts → index. */
function folderOf(file: string): string {
  const [first] = relative(SRC, file).split(sep);
  return first.replace(/\.ts$/, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every relative import, re-export and require of src/, as TypeScript's own pre-processor reads them. */
function importEdges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.filter(({ fileName }) => fileName.startsWith('.'))
      .map(({ fileName }) => ({ from: file, to: resolve(dirname(file), fileName) })),
  );
}

/** Edges that leave src/ for anything but the generated imports/ and package.json, or point up the list. */
function violations(edges: readonly Edge[]): string[] {
  return edges.flatMap(({ from, to }) => {
    const where = `${relative(ROOT, from)} imports ${relative(ROOT, to)}`;
    if (!to.startsWith(SRC + sep)) return to.startsWith(join(ROOT, 'imports')) || to === join(ROOT, 'package.json') ? [] : [`${where}: outside src/`];
    const [a, b] = [folderOf(from), folderOf(to)];
    if (!(a in MAY_IMPORT)) return [`${where}: src/${a}/ has no place in the layering (add it to MAY_IMPORT)`];
    return a === b || MAY_IMPORT[a].includes(b) ? [] : [`${where}: ${a}/ may import only ${MAY_IMPORT[a].join(', ') || 'nothing of ours'}`];
  });
}

/** Folder pairs that import each other: what the rule above makes impossible. */
function twoWayPairs(edges: readonly Edge[]): string[] {
  const pairs = new Set(edges.map((e) => `${folderOf(e.from)} ${folderOf(e.to)}`));
  return [...pairs].filter((p) => {
    const [a, b] = p.split(' ');
    return a < b && pairs.has(`${b} ${a}`);
  });
}

describe('imports flow one way through src/', () => {
  const edges = importEdges();

  it('every import points down the layering', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(violations(edges)).toEqual([]);
  });

  it('no two folders import each other', () => {
    expect(twoWayPairs(edges)).toEqual([]);
  });

  it('the layering itself has no cycle (each folder may import only folders listed before it)', () => {
    const order = Object.keys(MAY_IMPORT);
    for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
      for (const lower of allowed) expect(order.indexOf(lower), `${folder} → ${lower}`).toBeLessThan(order.indexOf(folder));
    }
  });

  it('refuses an import that points back up: a construct importing a chart, the model importing anything', () => {
    const at = (path: string) => join(SRC, path);
    expect(violations([{ from: at('constructs/kafka/topic.ts'), to: at('charts/index.ts') }])).toHaveLength(1);
    expect(violations([{ from: at('model/paths.ts'), to: at('config/load.ts') }])).toHaveLength(1);
    expect(violations([{ from: at('policy/enforce.ts'), to: at('constructs/kafka/consumer.ts') }])).toHaveLength(1);
    expect(
      twoWayPairs([
        { from: at('output/render.ts'), to: at('diff/object-diff.ts') },
        { from: at('diff/object-diff.ts'), to: at('output/render.ts') },
      ]),
    ).toHaveLength(1);
  });
});
