import { Environment } from '../config/types';
import { Platform } from '../platforms';

/** What every chart receives: the validated environment and its resolved platform. */
export interface ChartContext {
  readonly env: Environment;
  readonly platform: Platform;
}
