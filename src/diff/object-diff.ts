import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { replacementFor, type Replacement } from './immutable-fields';
import { outputPaths, SHARED_OUTPUT_DIRS } from '../model/paths';
import { apiGroupOf, describe, RenderedObject } from '../model/rendered-object';

/**
 * Object-level comparison of two output trees (a committed dist/ and a fresh render, or two
 * revisions): what a reviewer needs to see, by environment, object and field.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One changed field: where, and its value before and after (undefined: absent). */
export interface FieldChange {
  readonly path: string;
  readonly before?: Json;
  readonly after?: Json;
  /** Set when a live cluster refuses this change in place (src/diff/immutable-fields.ts). */
  readonly replacement?: Replacement;
}

export type ObjectChange =
  | { readonly type: 'added' | 'removed'; readonly env: string; readonly object: string }
  | { readonly type: 'changed'; readonly env: string; readonly object: string; readonly fields: readonly FieldChange[] };

export interface FileChange {
  readonly env: string;
  readonly path: string;
  readonly type: 'added' | 'removed' | 'changed';
}

export interface TreeDiff {
  readonly objects: readonly ObjectChange[];
  /** Files that are not Kubernetes manifests (Helm chart metadata, image build contexts). */
  readonly files: readonly FileChange[];
}

/** Top-level directories of an output tree that are not environments. */
const SHARED_DIRS = new Set(SHARED_OUTPUT_DIRS);

/** Compares two output trees; `envs` limits the comparison to those environments. */
export function diffTrees(beforeRoot: string, afterRoot: string, envs?: readonly string[]): TreeDiff {
  const before = readTree(beforeRoot);
  const after = readTree(afterRoot);
  const names = [...new Set([...environmentsOf(before), ...environmentsOf(after)])].filter((env) => !envs || envs.includes(env)).sort();
  const objects = names.flatMap((env) => diffObjects(env, objectsOf(before, env), objectsOf(after, env)));
  const files: FileChange[] = [];
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const env = environmentOfFile(path);
    if (!env || !names.includes(env) || isManifest(path, env) || isHelmTemplate(path, env)) continue;
    const [a, b] = [before.get(path), after.get(path)];
    if (a === b) continue;
    files.push({ env, path, type: a === undefined ? 'added' : b === undefined ? 'removed' : 'changed' });
  }
  return { objects, files };
}

/** The objects an environment has in an output tree (its manifests and Argo CD file). */
export function environmentObjects(root: string, env: string): RenderedObject[] {
  return [...objectsOf(readTree(root), env).values()];
}

/** The changed fields a live cluster cannot change in place, as `env: object: path`. */
export function replacementsNeeded(diff: TreeDiff): string[] {
  return diff.objects.flatMap((c) => (c.type === 'changed' ? c.fields.filter((f) => f.replacement).map((f) => `${c.env}: ${c.object}: ${f.path}`) : []));
}

export function hasDifferences(diff: TreeDiff): boolean {
  return diff.objects.length > 0 || diff.files.length > 0;
}

/** Lines for a terminal or a CI job summary: `eks: KafkaNodePool cdc/broker: spec.replicas 3 → 5`. */
export function formatDiff(diff: TreeDiff): string[] {
  const lines: string[] = [];
  for (const change of diff.objects) {
    if (change.type === 'changed') {
      for (const field of change.fields) lines.push(...formatField(`${change.env}: ${change.object}`, field));
    } else {
      lines.push(`${change.env}: ${change.type === 'added' ? '+' : '-'} ${change.object}`);
    }
  }
  for (const file of diff.files) lines.push(`${file.env}: file ${file.path} ${file.type}`);
  const count = (type: string) => diff.objects.filter((c) => c.type === type).length;
  lines.push(
    hasDifferences(diff) ? `${count('added')} added, ${count('removed')} removed, ${count('changed')} changed objects; ${diff.files.length} other files differ` : 'no differences',
  );
  return lines;
}

function formatField(prefix: string, { path, before, after, replacement }: FieldChange): string[] {
  const mark = replacement ? [`    needs replacement: ${replacement.reason}. Hint: ${replacement.hint}.`] : [];
  if (typeof before === 'string' && typeof after === 'string' && (before.includes('\n') || after.includes('\n'))) {
    return [`${prefix}: ${path}:`, ...lineDiff(before.split('\n'), after.split('\n')).map((l) => `    ${l}`), ...mark];
  }
  return [`${prefix}: ${path} ${show(before)} → ${show(after)}`, ...mark];
}

function show(value: Json | undefined): string {
  if (value === undefined) return '(absent)';
  if (typeof value === 'string') return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

function diffObjects(env: string, before: Map<string, RenderedObject>, after: Map<string, RenderedObject>): ObjectChange[] {
  const changes: ObjectChange[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])]) {
    const [a, b] = [before.get(key), after.get(key)];
    const object = describe((a ?? b) as RenderedObject);
    if (!a) changes.push({ type: 'added', env, object });
    else if (!b) changes.push({ type: 'removed', env, object });
    else {
      const fields = diffValues('', a as unknown as Json, b as unknown as Json).map((f) => {
        const replacement = replacementFor(f, a, b);
        return replacement ? { ...f, replacement } : f;
      });
      if (fields.length > 0) changes.push({ type: 'changed', env, object, fields });
    }
  }
  return changes;
}

/** Field-by-field differences; lists of named items (containers, env, ports) are matched by name. */
export function diffValues(path: string, before: Json | undefined, after: Json | undefined): FieldChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => diffValues(joinKey(path, k), before[k], after[k]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const named = namedItems(before) && namedItems(after);
    if (named) {
      const byName = (items: Json[]) => new Map(items.map((i) => [(i as { name: string }).name, i]));
      const [a, b] = [byName(before), byName(after)];
      const names = [...new Set([...a.keys(), ...b.keys()])];
      return names.flatMap((n) => diffValues(`${path}[name=${n}]`, a.get(n), b.get(n)));
    }
    if (before.length === after.length) return before.flatMap((item, i) => diffValues(`${path}[${i}]`, item, after[i]));
  }
  return [{ path, before, after }];
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function namedItems(items: Json[]): boolean {
  const names = items.map((i) => (isObject(i) && typeof i.name === 'string' ? i.name : undefined));
  return items.length > 0 && names.every((n) => n !== undefined) && new Set(names).size === names.length;
}

function joinKey(path: string, key: string): string {
  if (/^[A-Za-z_][\w-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** A minimal line diff (longest common subsequence): `- old` / `+ new` lines, unchanged lines left out. */
function lineDiff(a: string[], b: string[]): string[] {
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: string[] = [];
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) [i, j] = [i + 1, j + 1];
    else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`+ ${b[j++]}`);
    else out.push(`- ${a[i++]}`);
  }
  return out;
}

function readTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(root)) return files;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      if (entry.startsWith('.')) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(root, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return files;
}

function environmentsOf(tree: Map<string, string>): string[] {
  return [...tree.keys()]
    .map((p) => p.split('/'))
    .filter((parts) => parts.length === 2 && !SHARED_DIRS.has(parts[0]))
    .map((parts) => parts[0]);
}

function environmentOfFile(path: string): string | undefined {
  const parts = path.split('/');
  if (!SHARED_DIRS.has(parts[0])) return parts[0];
  if (parts[0] === 'argocd' || parts[0] === 'platform') return parts[1]?.replace(/\.yaml$/, '');
  if (parts[0] === 'helm') return parts[1]?.replace(/^cdc8s-/, '');
  return parts[2]; // images/<image>/<env>/...
}

function isManifest(path: string, env: string): boolean {
  const paths = outputPaths(env);
  return (path.startsWith(`${paths.manifests}/`) && path.endsWith('.yaml')) || path === paths.argocd || path === paths.platform;
}

/** Helm templates repeat the manifests object for object; their changes show up there. */
function isHelmTemplate(path: string, env: string): boolean {
  return path.startsWith(`${outputPaths(env).helmChart}/charts/`) && path.includes('/templates/');
}

/** Every object of an environment: its manifests and its Argo CD file, keyed by group, kind, namespace and name. */
function objectsOf(tree: Map<string, string>, env: string): Map<string, RenderedObject> {
  const objects = new Map<string, RenderedObject>();
  for (const [path, content] of tree) {
    if (!isManifest(path, env)) continue;
    for (const doc of parseAllDocuments(content)) {
      const o = doc.toJS() as RenderedObject | null;
      if (!o) continue;
      objects.set(`${apiGroupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    }
  }
  return objects;
}
