import { KubernetesSchemas } from '../src/validate/kubernetes';
import { availableOrSkip } from './helpers';
import { KUBERNETES_VERSIONS, localSchemaSources, missingKubernetesSchemas } from '../src/validate/sources';

export { KubernetesSchemas };

/** `../shared` beside the clone (as CI has it), CDC8S_SHARED_DIR, or what `npm run fetch-schemas` downloaded. */
export const SHARED_SCHEMAS = localSchemaSources().kubernetesDir;
export const K8S_VERSIONS = KUBERNETES_VERSIONS;

/** True when the schemas are there; under CI=true their absence is an error, not a skip. */
export function schemasAvailable(): boolean {
  return availableOrSkip(missingKubernetesSchemas(SHARED_SCHEMAS));
}

/** Validators for one supported version from the shared directory. */
export function kubernetesSchemas(version: string): KubernetesSchemas {
  return new KubernetesSchemas(version, SHARED_SCHEMAS);
}
