import { Environment } from '../model/config';
import { Durability } from '../model/durability';
import { checkDurability, PolicyViolation } from './enforce';
import { RenderedObject } from '../model/rendered-object';

export { DURABILITY_RULES, checkDurability } from './enforce';
export type { DurabilityRule, PolicyViolation } from './enforce';

/**
 * Rendered objects that break a durability rule. The synth writes nothing when this is thrown:
 * `environments/eks.yaml: durability rule broker-min-insync-replicas: Kafka cdc-streaming/cdc: …`.
 */
export class DurabilityError extends Error {
  constructor(readonly file: string, readonly violations: readonly PolicyViolation[]) {
    super(violations.map((v) => `${file}: durability rule ${v.rule}: ${v.object}: ${v.message}`).join('\n'));
    this.name = 'DurabilityError';
  }
}

/** Runs the policy over an environment's objects; throws on any violation, returns warnings otherwise. */
export function enforceDurability(env: Environment, objects: readonly RenderedObject[], durability: Durability): string[] {
  const violations = checkDurability(objects, durability);
  if (violations.length > 0) throw new DurabilityError(env.file, violations);
  if (durability.level === 'reduced') {
    return [
      `${env.file}: warning: kafka.durability is reduced: replication factor ${durability.replicationFactor}, min.insync.replicas ${durability.minInSyncReplicas}; ` +
      'losing one broker can lose acknowledged writes or stop the pipeline. Use only where that is acceptable.',
    ];
  }
  return [];
}
