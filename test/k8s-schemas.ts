import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import { ROOT } from './helpers';

/** `../shared` beside the clone (as CI has it), or CDC8S_SHARED_DIR. */
export const SHARED_SCHEMAS = join(process.env.CDC8S_SHARED_DIR ?? join(ROOT, '..', 'shared'), 'schemas', 'kubernetes');
export const K8S_VERSIONS = ['v1.27.0', 'v1.35.0'] as const;

export const MISSING_SCHEMAS_MESSAGE =
  `Kubernetes JSON schemas not found in ${SHARED_SCHEMAS}: run scripts/fetch-shared.sh, or download ` +
  'kubernetes-schemas/v1.27.0/_definitions.json and v1.35.0/_definitions.json from github.com/cdk8s-team/cdk8s ' +
  'as v1.27.0.json and v1.35.0.json into ../shared/schemas/kubernetes/ (or set CDC8S_SHARED_DIR)';

/** True when the schemas are there; under CI=true their absence is an error, not a skip. */
export function schemasAvailable(): boolean {
  const available = K8S_VERSIONS.every((v) => existsSync(join(SHARED_SCHEMAS, `${v}.json`)));
  if (!available && process.env.CI === 'true') throw new Error(MISSING_SCHEMAS_MESSAGE);
  if (!available) console.warn(`skipping: ${MISSING_SCHEMAS_MESSAGE}`);
  return available;
}

type Schema = Record<string, any>;

/**
 * Validators for one Kubernetes version, strict like `kubectl --validate=strict`: every object
 * definition that lists its properties rejects fields it does not list.
 */
export class KubernetesSchemas {
  private readonly ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  private readonly byGvk = new Map<string, string>();

  constructor(version: string) {
    const { definitions } = JSON.parse(readFileSync(join(SHARED_SCHEMAS, `${version}.json`), 'utf8')) as { definitions: Record<string, Schema> };
    for (const [name, def] of Object.entries(definitions)) {
      if (def.properties && def.additionalProperties === undefined && !def['x-kubernetes-preserve-unknown-fields']) {
        def.additionalProperties = false;
      }
      for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
        this.byGvk.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`, name);
      }
    }
    this.ajv.addSchema({ definitions }, 'k8s');
  }

  /** The validator for an apiVersion/kind, or undefined when the version has no such type. */
  validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const name = this.byGvk.get(`${apiVersion}/${kind}`);
    return name ? this.ajv.getSchema(`k8s#/definitions/${name}`) : undefined;
  }
}
