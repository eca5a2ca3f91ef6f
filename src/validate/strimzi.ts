import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { standaloneModule, ValidatorSet } from '../compiled/ajv';
import { CodeCache, filesDigest, sharedCodeCache } from '../compiled/code-cache';
import { closeObject, JsonSchema, SCHEMA_MODULE_FILE, upstreamAjv } from './schema';

/**
 * Closes every nested object schema. oneOf/anyOf/allOf branches are value constraints, not the
 * structural schema that decides which fields are known, so they are left as they are.
 */
function closeAllObjects(schema: JsonSchema): void {
  closeObject(schema);
  for (const child of Object.values(schema.properties ?? {})) closeAllObjects(child as JsonSchema);
  if (schema.items) closeAllObjects(schema.items);
  if (typeof schema.additionalProperties === 'object') closeAllObjects(schema.additionalProperties);
}

/**
 * Go's RE2 flag group `(?i)` (case-insensitive, as the API server's CRD validation reads it), which
 * JavaScript patterns lack: each ASCII letter after it becomes a class of both cases. The Prometheus
 * Operator's CRDs use it (`^(?i)(abort|warn)?$`); escapes and classes are left as they are.
 */
export function withoutGoFlags(pattern: string): string {
  const at = pattern.indexOf('(?i)');
  if (at < 0) return pattern;
  let out = pattern.slice(0, at);
  let inClass = false;
  for (let i = at + 4; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      out += c + (pattern[++i] ?? '');
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += !inClass && /[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
  }
  return out;
}

/** Every `pattern` of a schema, in JavaScript's dialect. */
function translatePatterns(schema: JsonSchema): void {
  if (typeof schema !== 'object' || schema === null) return;
  if (typeof schema.pattern === 'string') schema.pattern = withoutGoFlags(schema.pattern);
  for (const value of Object.values(schema)) if (typeof value === 'object' && value !== null) translatePatterns(value as JsonSchema);
}

/**
 * Validators for the served versions of a directory of Strimzi CRDs (or the Kafka Access
 * Operator's), by `apiVersion/kind`. Each is
 * generated the first time any run needs it and comes from the code cache after that: the CRDs
 * are parsed only to generate.
 */
export class StrimziSchemas {
  private readonly validators: ValidatorSet<ReadonlyMap<string, JsonSchema>>;

  constructor(dir: string, cache: CodeCache = sharedCodeCache()) {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(dir, f));
    this.validators = new ValidatorSet(cache, ['strimzi', filesDigest(files), filesDigest([__filename, SCHEMA_MODULE_FILE])], () => readCrds(files));
  }

  /** The validator for an apiVersion/kind, or undefined when the CRDs do not serve it. */
  validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    return this.validators.get(`${apiVersion}/${kind}`, (schemas) => {
      const schema = schemas.get(`${apiVersion}/${kind}`);
      if (!schema) return undefined;
      const ajv = upstreamAjv();
      return standaloneModule(ajv, ajv.compile(schema));
    });
  }

  /** apiVersions the CRDs serve for a kind. */
  servedVersions(kind: string): string[] {
    return [...this.validators.prepared().keys()].filter((k) => k.endsWith(`/${kind}`)).map((k) => k.slice(0, k.lastIndexOf('/')));
  }
}

/** The openAPIV3Schema of every served version, closed, by `group/version/kind`. */
function readCrds(files: readonly string[]): Map<string, JsonSchema> {
  const schemas = new Map<string, JsonSchema>();
  for (const file of files) {
    const crd = parse(readFileSync(file, 'utf8')) as JsonSchema;
    for (const version of crd.spec.versions.filter((v: JsonSchema) => v.served)) {
      const schema = version.schema.openAPIV3Schema as JsonSchema;
      closeAllObjects(schema);
      translatePatterns(schema);
      // The API server checks metadata itself and always keeps apiVersion and kind; some CRD
      // generators (the Kafka Access Operator's Fabric8) leave the latter two out of the schema.
      schema.properties.metadata = { type: 'object' };
      schema.properties.apiVersion ??= { type: 'string' };
      schema.properties.kind ??= { type: 'string' };
      schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, schema);
    }
  }
  return schemas;
}
