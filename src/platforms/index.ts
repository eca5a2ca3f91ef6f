import { EnvironmentConfig, PlatformName } from '../model/config';
import { EksPlatform } from './eks';
import { GkePlatform } from './gke';
import { MinikubePlatform } from './minikube';
import { Platform } from './platform';

export type { Platform } from './platform';

const PLATFORMS: Record<PlatformName, new (config: EnvironmentConfig) => Platform> = {
  minikube: MinikubePlatform,
  eks: EksPlatform,
  gke: GkePlatform,
};

/** The platform layer for a validated config: the one place a platform name becomes behaviour. */
export function platformFor(config: EnvironmentConfig): Platform {
  return new PLATFORMS[config.platform](config);
}
