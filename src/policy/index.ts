import { Environment } from '../model/config';
import { Durability } from '../model/durability';
import { checkPolicy, PolicyViolation } from './enforce';
import { RenderedObject } from '../model/rendered-object';

export { POLICY_RULES, checkPolicy } from './enforce';
export type { PolicyRule, PolicyViolation } from './enforce';

/**
 * Rendered objects that break a policy rule (durability, credentials, Strimzi-managed keys). The synth writes nothing when this is thrown:
 * `environments/eks.yaml: policy rule broker-min-insync-replicas: Kafka cdc-streaming/cdc: …`.
 */
export class PolicyError extends Error {
  constructor(
    readonly file: string,
    readonly violations: readonly PolicyViolation[],
  ) {
    super(violations.map((v) => `${file}: policy rule ${v.rule}: ${v.object}: ${v.message}`).join('\n'));
    this.name = 'PolicyError';
  }
}

/** Runs the policy over an environment's objects; throws on any violation, returns warnings otherwise. */
export function enforcePolicy(env: Environment, objects: readonly RenderedObject[], durability: Durability): string[] {
  const violations = checkPolicy(objects, durability);
  if (violations.length > 0) throw new PolicyError(env.file, violations);
  if (durability.level === 'reduced') {
    return [
      `${env.file}: warning: kafka.durability is reduced: replication factor ${durability.replicationFactor}, min.insync.replicas ${durability.minInSyncReplicas}; ` +
        'losing one broker can lose acknowledged writes or stop the pipeline. Use only where that is acceptable.',
    ];
  }
  return [];
}
