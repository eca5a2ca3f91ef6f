import { Construct } from 'constructs';
import { RequiredSecret } from '../constructs/k8s/required-secret';
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
