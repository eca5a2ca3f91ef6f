import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { closeObject, JsonSchema, upstreamAjv } from './schema';

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

/** Validators for the served versions of a directory of Strimzi CRDs, by `apiVersion/kind`. */
export class StrimziSchemas {
  private readonly schemas = new Map<string, JsonSchema>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly ajv = upstreamAjv();

  constructor(dir: string) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
      const crd = parse(readFileSync(join(dir, file), 'utf8')) as JsonSchema;
      for (const version of crd.spec.versions.filter((v: JsonSchema) => v.served)) {
        const schema = version.schema.openAPIV3Schema as JsonSchema;
        closeAllObjects(schema);
        // The API server checks metadata itself; the CRD schema only says it is an object.
        schema.properties.metadata = { type: 'object' };
        this.schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, schema);
      }
    }
  }

  /** The validator for an apiVersion/kind, or undefined when the CRDs do not serve it. */
  validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = `${apiVersion}/${kind}`;
    let validate = this.compiled.get(key);
    const schema = this.schemas.get(key);
    if (!validate && schema) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  /** apiVersions the CRDs serve for a kind. */
  servedVersions(kind: string): string[] {
    return [...this.schemas.keys()].filter((k) => k.endsWith(`/${kind}`)).map((k) => k.slice(0, k.lastIndexOf('/')));
  }
}
