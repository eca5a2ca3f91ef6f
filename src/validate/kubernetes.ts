import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { standaloneModule, ValidatorSet } from '../compiled/ajv';
import { CodeCache, filesDigest, sharedCodeCache } from '../compiled/code-cache';
import { closeObject, JsonSchema, SCHEMA_MODULE_FILE, upstreamAjv } from './schema';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** A version's definitions, closed and handed to Ajv, and which definition serves each apiVersion/kind. */
interface Definitions {
  readonly ajv: Ajv;
  readonly byGvk: ReadonlyMap<string, string>;
}

/**
 * Validators for the built-in types of one Kubernetes version, from its upstream JSON schema
 * definitions. A type's validator is generated the first time any run needs it and comes from the
 * code cache after that: the definitions file is read and compiled only to generate.
 */
export class KubernetesSchemas {
  private readonly validators: ValidatorSet<Definitions>;

  constructor(
    readonly version: string,
    dir: string,
    cache: CodeCache = sharedCodeCache(),
  ) {
    const file = join(dir, `${version}.json`);
    this.validators = new ValidatorSet(cache, ['kubernetes', filesDigest([file]), filesDigest([__filename, SCHEMA_MODULE_FILE])], () => readDefinitions(file));
  }

  /** The validator for an apiVersion/kind, or undefined when this version does not serve it. */
  validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    return this.validators.get(`${apiVersion}/${kind}`, ({ ajv, byGvk }) => definitionModule(ajv, byGvk.get(`${apiVersion}/${kind}`)));
  }

  /**
   * The validator of ObjectMeta: the API server checks every object's metadata against it,
   * custom resources included (their CRD schemas leave metadata open).
   */
  metadataValidator(): ValidateFunction {
    return this.validators.get('ObjectMeta', ({ ajv }) => definitionModule(ajv, OBJECT_META)) as ValidateFunction;
  }
}

function readDefinitions(file: string): Definitions {
  const { definitions } = JSON.parse(readFileSync(file, 'utf8')) as { definitions: Record<string, JsonSchema> };
  const byGvk = new Map<string, string>();
  for (const [name, definition] of Object.entries(definitions)) {
    closeObject(definition);
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      byGvk.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`, name);
    }
  }
  const ajv = upstreamAjv();
  ajv.addSchema({ definitions }, 'k8s');
  return { ajv, byGvk };
}

function definitionModule(ajv: Ajv, name: string | undefined): string | undefined {
  const validate = name === undefined ? undefined : ajv.getSchema(`k8s#/definitions/${name}`);
  return validate ? standaloneModule(ajv, validate) : undefined;
}
