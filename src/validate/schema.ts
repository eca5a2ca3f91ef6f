import type Ajv from 'ajv';
import { newAjv } from '../compiled/ajv';

/** A JSON schema as read from upstream files. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- upstream schemas are arbitrary JSON, walked by keyword
export type JsonSchema = Record<string, any>;

/** This module: generated validators depend on its Ajv options and schema adjustments (part of their cache key). */
export const SCHEMA_MODULE_FILE = __filename;

/**
 * An Ajv instance for upstream schemas: they use OpenAPI keywords Ajv does not know
 * (`x-kubernetes-*`, `format: int-or-string`), so strict mode and formats are off; every error is kept.
 */
export function upstreamAjv(): Ajv {
  return newAjv({ strict: false, validateFormats: false, allErrors: true });
}

/**
 * Makes an object schema that lists its properties reject others, as the API server's strict
 * field validation (`kubectl --validate=strict`) does. Objects marked
 * `x-kubernetes-preserve-unknown-fields` stay open.
 */
export function closeObject(schema: JsonSchema): void {
  if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
    schema.additionalProperties = false;
  }
}
