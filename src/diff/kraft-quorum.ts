/** Why these changes are refused (Strimzi 1.2.0 docs, assembly-kraft-mode.adoc and con-config-node-pool-roles.adoc). */
const RULE =
  "Strimzi 1.2.0 cannot scale a controller pool, change a pool's roles or switch between dual-role and dedicated controllers; " +
  'it tries anyway and brokers fail with "not one of the voters" (strimzi#9429) or rolls get stuck (strimzi#10359). The quorum is fixed when the cluster is created';

/** One KafkaNodePool change that would change the KRaft controller quorum of a live cluster. */
export interface QuorumChange {
  /** `KafkaNodePool namespace/name`. */
  readonly object: string;
  /** The environment field that made the change. */
  readonly field: string;
  readonly message: string;
}

/** What the check reads of an object: rendered in memory, or parsed back from an output tree. */
export interface ObjectOfKind {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

type Pool = ObjectOfKind & { spec: { replicas: number; roles: string[] } };

const poolsOf = (objects: readonly ObjectOfKind[]) =>
  new Map(objects.filter((o): o is Pool => o.kind === 'KafkaNodePool').map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
const isController = (pool: Pool | undefined) => pool?.spec.roles.includes('controller') ?? false;

/** The changes from `before` to `after` that touch the controller quorum; empty when there are none. */
export function quorumChanges(before: readonly ObjectOfKind[], after: readonly ObjectOfKind[]): QuorumChange[] {
  const [old, next] = [poolsOf(before), poolsOf(after)];
  const changes: QuorumChange[] = [];
  for (const key of [...new Set([...old.keys(), ...next.keys()])].sort()) {
    const [a, b] = [old.get(key), next.get(key)];
    const object = `KafkaNodePool ${key}`;
    const dualRole = (a ?? b)?.spec.roles.includes('broker') ?? false;
    if (!a || !b) {
      if (isController(a) || isController(b)) changes.push({ object, field: 'kafka.controllers.mode', message: `${a ? 'removes' : 'adds'} a pool with the controller role` });
    } else if ([...a.spec.roles].sort().join() !== [...b.spec.roles].sort().join()) {
      changes.push({ object, field: 'kafka.controllers.mode', message: `changes spec.roles from [${a.spec.roles.join(', ')}] to [${b.spec.roles.join(', ')}]` });
    } else if (isController(a) && a.spec.replicas !== b.spec.replicas) {
      changes.push({
        object,
        field: dualRole ? 'kafka.brokers.replicas' : 'kafka.controllers.replicas',
        message: `changes spec.replicas of a controller pool from ${a.spec.replicas} to ${b.spec.replicas}`,
      });
    }
  }
  return changes;
}

export function formatQuorumChange(env: string, change: QuorumChange): string {
  return `${env}: ${change.field}: ${change.object} ${change.message} (${RULE})`;
}
