import { Environment } from '../config/types';
import { Platform } from '../platforms';
import { Durability } from '../policy/durability';
import { PipelinePeers } from './network-peers';

/** What every chart receives: the validated environment, its resolved platform and durability. */
export interface ChartContext {
  readonly env: Environment;
  readonly platform: Platform;
  /** Replication the Kafka objects use (full unless the environment opted into `reduced`). */
  readonly durability: Durability;
  /** Every party of the network flows, for the NetworkPolicies each chart renders. */
  readonly peers: PipelinePeers;
}
