import { Environment } from '../model/config';
import { Platform } from '../platforms';
import { Durability } from '../model/durability';
import { PipelinePeers } from './network-peers';

/** What every chart receives: the validated environment, its resolved platform and durability. */
export interface ChartContext {
  readonly env: Environment;
  readonly platform: Platform;
  /** Replication every Kafka object uses: the level's floor, raised by the user's kafka.config (effectiveDurability). */
  readonly durability: Durability;
  /** Every party of the network flows, for the NetworkPolicies each chart renders. */
  readonly peers: PipelinePeers;
}
