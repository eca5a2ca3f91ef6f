import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';

import { renderEnvironment, RenderedEnvironment } from '../src/output/render';

export const ROOT = resolve(__dirname, '..');
export const ENVIRONMENTS = ['minikube', 'eks', 'gke'] as const;

export { availableOrSkip } from '../e2e/harness/available';
import { configMapData } from '../e2e/harness/postgres-server';
import { RenderedObject } from '../src/model/rendered-object';
import { resolveConfig, resolveEnvironment } from '../src/platforms/resolve';
export { configMapData };

/** A value made on first use and kept: for what a skipped suite (still collected) must not load. */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** An environment file as plain data. */
export type RawConfig = Record<string, any>;

export type { RenderedObject } from '../src/model/rendered-object';

export function envFile(name: string): string {
  return join(ROOT, 'environments', `${name}.yaml`);
}

/** Renders one shipped environment (or any config file) in memory. */
export function render(nameOrFile: string): RenderedEnvironment {
  const file = nameOrFile.includes('/') ? nameOrFile : envFile(nameOrFile);
  return renderEnvironment(resolveEnvironment(file));
}

/** A shipped environment's file as plain data, to change in a test. */
export function rawConfig(name: string): RawConfig {
  return parse(readFileSync(envFile(name), 'utf8')) as RawConfig;
}

/**
 * Renders a variant of a shipped environment: its file, changed by `change`, validated exactly as
 * the loader validates files (defaults, schema, cross-field rules), then synthesized with the policy.
 */
export function renderVariant(name: string, change: (config: RawConfig) => void): RenderedEnvironment {
  const config = rawConfig(name);
  change(config);
  const file = `environments/${name}.yaml`;
  return renderEnvironment(resolveConfig(name, file, config));
}

/** `npm run diff --config <a variant of a shipped environment>` against the committed dist/ (compiled CLI). */
export function diffVariantCli(name: string, change: (config: RawConfig) => void): { status: number | null; stdout: string; stderr: string } {
  const config = rawConfig(name);
  change(config);
  const file = join(tempDir(), `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return spawnSync(process.execPath, [join(ROOT, 'lib', 'src', 'cli', 'diff.js'), '--config', file], { cwd: ROOT, encoding: 'utf8' });
}

/** The committed output (what `npm run synth` writes). */
export const DIST = join(ROOT, 'dist');

/** The committed dist/<env>/ manifest files in apply (file) order, as paths, and their objects in that order. */
export function distManifests(env: string): { readonly files: string[]; readonly objects: RenderedObject[] } {
  const files = readdirSync(join(DIST, env))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(DIST, env, f));
  return { files, objects: files.flatMap((f) => parseYamlObjects(readFileSync(f, 'utf8'))) };
}

/** Every Kubernetes object of dist/<env>/, parsed back from the rendered YAML, in file and document order. */
export function objectsOf(rendered: RenderedEnvironment): RenderedObject[] {
  return rendered.manifests.flatMap(({ file }) => parseYamlObjects(rendered.files.get(`${rendered.env.name}/${file}`) as string));
}

export function parseYamlObjects(content: string): RenderedObject[] {
  return parseAllDocuments(content)
    .map((d) => d.toJS())
    .filter((o) => o !== null);
}

export function ofKind(objects: RenderedObject[], kind: string): RenderedObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function file(rendered: RenderedEnvironment, path: string): string {
  const content = rendered.files.get(path);
  if (content === undefined) throw new Error(`no file ${path} (have: ${[...rendered.files.keys()].join(', ')})`);
  return content;
}

const created: string[] = [];
// Temporary output directories go when the test file that made them is done.
afterAll(() => created.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

export function tempDir(prefix = 'cdc8s-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

type CliCommand = 'synth' | 'secrets' | 'validate' | 'prerequisites';
interface CliOptions {
  env?: Record<string, string | undefined>;
  input?: string;
}
interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cliInvocation(command: CliCommand, args: string[], options: CliOptions) {
  return {
    argv: [join(ROOT, 'lib', 'src', 'cli', `${command}.js`), ...args],
    spawnOptions: { cwd: ROOT, env: { ...process.env, ...options.env } },
  };
}

/**
 * Runs a compiled CLI command (`synth`, `secrets`, `validate`) as a user would, from the repository
 * root; `env` adds to (or, with undefined, removes from) the environment, `input` is stdin.
 */
export function cli(command: CliCommand, args: string[], options: CliOptions = {}): CliResult {
  const { argv, spawnOptions } = cliInvocation(command, args, options);
  const result = spawnSync(process.execPath, argv, { ...spawnOptions, encoding: 'utf8', input: options.input });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `cli` without blocking this process: for commands that talk to a server the test runs. Bounded by `timeoutMs`. */
export function cliAsync(command: CliCommand, args: string[], options: CliOptions = {}, timeoutMs = 60_000): Promise<CliResult> {
  const { argv, spawnOptions } = cliInvocation(command, args, options);
  return new Promise((done) => {
    const child = spawn(process.execPath, argv, { ...spawnOptions, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdin.end(options.input);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** Path → content of every file under a directory (for "left untouched" and byte-equality checks). */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** A copy of the committed dist/ to write over in tests. */
export function copyOfDist(): string {
  const dir = tempDir('cdc8s-dist-');
  cpSync(join(ROOT, 'dist'), dir, { recursive: true });
  return dir;
}

/** The rendered reconcile ConfigMap's file (`reconcile.sql`, `check.sql`, `reconcile.sh`, `target.json`). */
export function reconcileFile(rendered: RenderedEnvironment, name: string): string {
  return configMapData(objectsOf(rendered), 'postgres-reconcile')[name];
}

/** What the reconcile brings the database to: the ConfigMap's target.json, as data. */
export function reconcileTarget(rendered: RenderedEnvironment): Record<string, any> {
  return JSON.parse(reconcileFile(rendered, 'target.json'));
}
