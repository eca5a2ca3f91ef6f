import { createRequire } from 'node:module';
import type Ajv from 'ajv';
import type { Options, ValidateFunction } from 'ajv';
import { cacheKey, CodeCache, filesDigest } from './code-cache';

/** Ajv is loaded only to compile: a run whose validators are all cached never loads the compiler. */
const load = createRequire(__filename);

/** What generates the code besides the schema: Ajv (another version generates other code) and this file's options. */
const GENERATOR = `ajv ${(load('ajv/package.json') as { version: string }).version} ${filesDigest([__filename])}`;

/** What the cache stores for an id the schema source has no schema for (a kind a version does not serve). */
const NO_VALIDATOR = 'module.exports = null;';

/** A new Ajv that keeps the source of what it compiles, so it can be stored. */
export function newAjv(options: Options): Ajv {
  const { default: AjvClass } = load('ajv') as typeof import('ajv');
  return new AjvClass({ ...options, code: { ...options.code, source: true } });
}

/** The CommonJS module source of a compiled validator (Ajv's standalone mode: https://ajv.js.org/standalone.html). */
export function standaloneModule(ajv: Ajv, validate: ValidateFunction): string {
  const { default: standaloneCode } = load('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
  return standaloneCode(ajv, validate);
}

/**
 * The validator generated from `inputs` — everything the code depends on: the schema (its text or
 * a digest of its files) and the code that adjusts and compiles it — taken from the cache, or made
 * by `generate` (standalone module source, or undefined when there is no schema for it).
 */
export function cachedValidator(cache: CodeCache, inputs: readonly (string | Buffer)[], generate: () => string | undefined): ValidateFunction | undefined {
  const exported = cache.load(cacheKey(GENERATOR, ...inputs), () => generate() ?? NO_VALIDATOR);
  return (exported ?? undefined) as ValidateFunction | undefined;
}

/**
 * The validators of one schema source (a Kubernetes version, a directory of CRDs) by id. Each comes
 * from the code cache; on a miss the source is read and prepared (`read`, at most once per
 * process) and the validator generated from it.
 */
export class ValidatorSet<Source> {
  private readonly loaded = new Map<string, ValidateFunction | undefined>();
  private source?: Source;

  /** `inputs`: the source's digest and the code that reads and adjusts it (see cachedValidator). */
  constructor(
    private readonly cache: CodeCache,
    private readonly inputs: readonly string[],
    private readonly read: () => Source,
  ) {}

  get(id: string, generate: (source: Source) => string | undefined): ValidateFunction | undefined {
    if (!this.loaded.has(id))
      this.loaded.set(
        id,
        cachedValidator(this.cache, [...this.inputs, id], () => generate(this.prepared())),
      );
    return this.loaded.get(id);
  }

  /** The source, read and prepared. */
  prepared(): Source {
    this.source ??= this.read();
    return this.source;
  }
}
