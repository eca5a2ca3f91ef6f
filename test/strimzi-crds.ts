import { defaultSchemaSources, missingStrimziCrds } from '../src/validate/sources';
import { StrimziSchemas } from '../src/validate/strimzi';

/** `../shared/crds/strimzi-1.2.0` beside the clone (as CI has it), or under CDC8S_SHARED_DIR. */
export const STRIMZI_CRDS = defaultSchemaSources().strimziCrdsDir;

/** True when the CRDs are there; under CI=true their absence is an error, not a skip. */
export function crdsAvailable(): boolean {
  const missing = missingStrimziCrds(STRIMZI_CRDS);
  if (missing && process.env.CI === 'true') throw new Error(missing);
  if (missing) console.warn(`skipping: ${missing}`);
  return missing === undefined;
}

/** Validators for the Strimzi CRDs in the shared directory. */
export function strimziSchemas(): StrimziSchemas {
  return new StrimziSchemas(STRIMZI_CRDS);
}
