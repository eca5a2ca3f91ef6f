import { Construct } from 'constructs';
import { RequiredSecret } from '../constructs/required-secret';
import { Platform } from '../platforms';

/** Stable, documented names of the Secrets users create or sync. */
export const SECRET_NAMES = {
  postgresSuperuser: 'postgres-superuser',
  postgresApp: 'postgres-app',
  postgresDebezium: 'postgres-debezium',
} as const;

export interface SecretNeed {
  readonly name: string;
  readonly namespace: string;
  readonly purpose: string;
}

/** Declares a Secret a workload reads and lets the platform make it appear (never its value). */
export function requireSecret(scope: Construct, id: string, platform: Platform, need: SecretNeed): RequiredSecret {
  const secret = new RequiredSecret(scope, id, { ...need, keys: ['password'] });
  platform.provideSecret(scope, secret);
  return secret;
}

export interface SecretCopy {
  /** The operator-written Secret. */
  readonly from: { readonly name: string; readonly namespace: string };
  /** Namespace the workload runs in. */
  readonly namespace: string;
  readonly keys: readonly string[];
  readonly purpose: string;
}

/**
 * Declares a same-named copy of a Secret an operator writes in another namespace (Strimzi's
 * KafkaUser and cluster CA Secrets). The user copies it after the operator has written it
 * (`npm run secrets` prints the command); pods that mount it wait until then.
 */
export function requireSecretCopy(scope: Construct, id: string, copy: SecretCopy): RequiredSecret {
  return new RequiredSecret(scope, id, { name: copy.from.name, namespace: copy.namespace, keys: copy.keys, purpose: copy.purpose, copyOf: copy.from });
}
