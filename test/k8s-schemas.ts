import { KubernetesSchemas } from '../src/validate/kubernetes';
import { defaultSchemaSources, KUBERNETES_VERSIONS, missingKubernetesSchemas } from '../src/validate/sources';

export { KubernetesSchemas };

/** `../shared` beside the clone (as CI has it), or CDC8S_SHARED_DIR. */
export const SHARED_SCHEMAS = defaultSchemaSources().kubernetesDir;
export const K8S_VERSIONS = KUBERNETES_VERSIONS;

/** True when the schemas are there; under CI=true their absence is an error, not a skip. */
export function schemasAvailable(): boolean {
  const missing = missingKubernetesSchemas(SHARED_SCHEMAS);
  if (missing && process.env.CI === 'true') throw new Error(missing);
  if (missing) console.warn(`skipping: ${missing}`);
  return missing === undefined;
}

/** Validators for one supported version from the shared directory. */
export function kubernetesSchemas(version: string): KubernetesSchemas {
  return new KubernetesSchemas(version, SHARED_SCHEMAS);
}
