import { localSchemaSources, missingStrimziCrds } from '../src/validate/sources';
import { StrimziSchemas } from '../src/validate/strimzi';
import { availableOrSkip } from './helpers';

/** The Strimzi 1.2.0 CRDs: `../shared/crds/strimzi-1.2.0` beside the clone, under CDC8S_SHARED_DIR, or what `npm run fetch-schemas` downloaded. */
export const STRIMZI_CRDS = localSchemaSources().strimziCrdsDir;

/** True when the CRDs are there; under CI=true their absence is an error, not a skip. */
export function crdsAvailable(): boolean {
  return availableOrSkip(missingStrimziCrds(STRIMZI_CRDS));
}

/** Validators for the Strimzi CRDs in the shared directory. */
export function strimziSchemas(): StrimziSchemas {
  return new StrimziSchemas(STRIMZI_CRDS);
}
