import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { cacheRoot } from '../model/package-root';

/** V8 code caches are only valid for the V8 build and architecture that made them. */
const V8_TAG = `v8-${process.versions.v8}-${process.arch}`.replace(/[^\w.-]/g, '_');

/**
 * Generated JavaScript modules kept on disk between runs, each with V8's compiled form of it.
 *
 * Compiling a schema is what makes validation slow: Ajv generates up to 2 MB of JavaScript for the
 * Kafka CRD or a Deployment's definitions (0.1–0.6 s each), and V8 then parses and compiles that
 * code on first use (as long again). Both are pure functions of their inputs, so a module is stored
 * under a digest of everything it was generated from (the caller's key), and V8's code cache for it
 * beside it under the V8 version (V8 itself rejects a cache made with other flags; it is then
 * remade). Deleting the directory is always safe. Without a directory, or where it cannot be
 * written, every run generates and compiles again: slower, never different.
 */
export class CodeCache {
  /** Scripts that ran without a usable V8 cache: theirs is written when the process exits. */
  private readonly uncached: { readonly script: Script; readonly file: string }[] = [];
  private readonly requireForModules = createRequire(__filename);

  constructor(readonly dir: string | undefined) {}

  /**
   * The exports of the module stored under `key`. When it is not stored (or does not load),
   * `generate` makes its CommonJS source, which is stored for the next run.
   */
  load(key: string, generate: () => string): unknown {
    const file = this.dir === undefined ? undefined : join(this.dir, `${key}.js`);
    const stored = file === undefined ? undefined : readIfPresent(file);
    if (stored !== undefined && file !== undefined) {
      try {
        return this.run(stored.toString('utf8'), file);
      } catch {
        // A damaged entry (a full disk, a hand edit): make it again.
      }
    }
    const source = generate();
    if (file !== undefined) store(file, source);
    return this.run(source, file ?? key);
  }

  private run(source: string, file: string): unknown {
    const v8File = `${file}.${V8_TAG}`;
    const cachedData = this.dir === undefined ? undefined : readIfPresent(v8File);
    const script = new Script(`(function (module, exports, require) {${source}\n})`, { filename: file, cachedData });
    if (this.dir !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
      // At exit the functions have run, so the cache holds them compiled, not just parsed.
      if (this.uncached.length === 0) process.once('exit', () => this.saveCompiled());
      this.uncached.push({ script, file: v8File });
    }
    const module = { exports: {} as unknown };
    (script.runInThisContext() as (m: typeof module, e: unknown, r: NodeRequire) => void)(module, module.exports, this.requireForModules);
    return module.exports;
  }

  /** Writes V8's code cache for the modules that ran without one. */
  saveCompiled(): void {
    for (const { script, file } of this.uncached.splice(0)) store(file, script.createCachedData());
  }
}

let shared: CodeCache | undefined;

/** The cache every command uses: `code/` under the cache root. */
export function sharedCodeCache(): CodeCache {
  shared ??= new CodeCache(join(cacheRoot(), 'code'));
  return shared;
}

/** A short digest of the parts, in order: a cache key. */
export function cacheKey(...parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 40);
}

/** A digest of files' contents (a schema source, the code that compiles it). */
export function filesDigest(files: readonly string[]): string {
  return cacheKey(...files.flatMap((file) => [basename(file), readFileSync(file)]));
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Writes under a temporary name and renames, so a reader (another synth, a parallel test) sees a
 * whole entry or none. A cache that cannot be written only costs time.
 */
function store(file: string, content: string | Buffer): void {
  const partial = `${file}.${process.pid}.partial`;
  let staged = false;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(partial, content);
    staged = true;
    renameSync(partial, file);
  } catch {
    if (staged) rmSync(partial, { force: true });
  }
}
