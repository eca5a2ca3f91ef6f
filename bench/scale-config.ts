import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/** The shipped environment the scale configs grow from (the richest platform: ExternalSecrets, ALB, IRSA). */
export const SCALE_BASE_ENVIRONMENT = 'eks';

/**
 * A shipped environment grown to `n` captured tables and `n` consumers, consumer i reading table i:
 * topics, KafkaUsers, ACLs, Deployments, PDBs, NetworkPolicies and the listener's peers all grow
 * with n, so the synth's cost per consumer shows. The result is a valid environment file
 * (test/bench-scale.test.ts); n is bounded by the 256 KiB config limit (about 700).
 */
export function scaleConfig(base: Record<string, any>, n: number): Record<string, any> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`scale must be a positive integer, got ${n}`);
  const table = (i: number) => `t${String(i).padStart(4, '0')}`;
  const [template] = base.consumers;
  return {
    ...base,
    capture: { ...base.capture, tables: Array.from({ length: n }, (_, i) => ({ schema: 'public', table: table(i) })) },
    consumers: Array.from({ length: n }, (_, i) => ({ ...template, name: `consumer-${table(i)}`, tables: [`public.${table(i)}`] })),
  };
}

/** The scale config for `n` as environment-file text, from the repository's own environment. */
export function scaleConfigText(root: string, n: number): string {
  const base = parse(readFileSync(join(root, 'environments', `${SCALE_BASE_ENVIRONMENT}.yaml`), 'utf8')) as Record<string, any>;
  // No anchors: the loader rejects aliases, and the consumers share one template object.
  return stringify(scaleConfig(base, n), { aliasDuplicateObjects: false, lineWidth: 0 });
}
