import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { ROOT } from './helpers';

/** `../shared/crds/strimzi-1.2.0` beside the clone (as CI has it), or under CDC8S_SHARED_DIR. */
export const STRIMZI_CRDS = join(process.env.CDC8S_SHARED_DIR ?? join(ROOT, '..', 'shared'), 'crds', 'strimzi-1.2.0');

export const MISSING_CRDS_MESSAGE =
  `Strimzi 1.2.0 CRDs not found in ${STRIMZI_CRDS}: run scripts/fetch-shared.sh, or download the release's install/cluster-operator/04*-Crd-*.yaml ` +
  '(github.com/strimzi/strimzi-kafka-operator/releases/tag/1.2.0) into ../shared/crds/strimzi-1.2.0/ (or set CDC8S_SHARED_DIR)';

/** True when the CRDs are there; under CI=true their absence is an error, not a skip. */
export function crdsAvailable(): boolean {
  const available = existsSync(STRIMZI_CRDS) && readdirSync(STRIMZI_CRDS).some((f) => f.endsWith('.yaml'));
  if (!available && process.env.CI === 'true') throw new Error(MISSING_CRDS_MESSAGE);
  if (!available) console.warn(`skipping: ${MISSING_CRDS_MESSAGE}`);
  return available;
}

type Schema = Record<string, any>;

/**
 * Makes every object schema that lists its properties reject others, as the API server's strict
 * field validation does. oneOf/anyOf/allOf branches are value constraints, not the structural
 * schema that decides which fields are known, so they are left open.
 */
function closeObjects(schema: Schema): void {
  if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
    schema.additionalProperties = false;
  }
  for (const child of Object.values(schema.properties ?? {})) closeObjects(child as Schema);
  if (schema.items) closeObjects(schema.items);
  if (typeof schema.additionalProperties === 'object') closeObjects(schema.additionalProperties);
}

/** Validators for the served versions of the Strimzi CRDs, by `apiVersion/kind`. */
export class StrimziSchemas {
  private readonly ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    for (const file of readdirSync(STRIMZI_CRDS).filter((f) => f.endsWith('.yaml')).sort()) {
      const crd = parse(readFileSync(join(STRIMZI_CRDS, file), 'utf8')) as Schema;
      for (const version of crd.spec.versions.filter((v: Schema) => v.served)) {
        const schema = structuredClone(version.schema.openAPIV3Schema) as Schema;
        closeObjects(schema);
        // The API server checks metadata itself; the CRD schema only says it is an object.
        schema.properties.metadata = { type: 'object' };
        this.validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, this.ajv.compile(schema));
      }
    }
  }

  validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    return this.validators.get(`${apiVersion}/${kind}`);
  }

  /** apiVersions the CRDs serve for a kind. */
  servedVersions(kind: string): string[] {
    return [...this.validators.keys()].filter((k) => k.endsWith(`/${kind}`)).map((k) => k.slice(0, k.lastIndexOf('/')));
  }
}
