import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidateFunction } from 'ajv';
import { closeObject, JsonSchema, upstreamAjv } from './schema';

/**
 * Validators for the built-in types of one Kubernetes version, from its upstream JSON schema
 * definitions. Definitions are compiled on first use, so only the types we emit cost anything.
 */
export class KubernetesSchemas {
  private readonly ajv = upstreamAjv();
  private readonly byGvk = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly version: string, dir: string) {
    const { definitions } = JSON.parse(readFileSync(join(dir, `${version}.json`), 'utf8')) as { definitions: Record<string, JsonSchema> };
    for (const [name, definition] of Object.entries(definitions)) {
      closeObject(definition);
      for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
        this.byGvk.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`, name);
      }
    }
    this.ajv.addSchema({ definitions }, 'k8s');
  }

  /** The validator for an apiVersion/kind, or undefined when this version does not serve it. */
  validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const name = this.byGvk.get(`${apiVersion}/${kind}`);
    return name ? this.definition(name) : undefined;
  }

  /**
   * The validator of ObjectMeta: the API server checks every object's metadata against it,
   * custom resources included (their CRD schemas leave metadata open).
   */
  metadataValidator(): ValidateFunction {
    return this.definition('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') as ValidateFunction;
  }

  private definition(name: string): ValidateFunction | undefined {
    let validate = this.compiled.get(name);
    if (!validate) {
      validate = this.ajv.getSchema(`k8s#/definitions/${name}`);
      if (validate) this.compiled.set(name, validate);
    }
    return validate;
  }
}
