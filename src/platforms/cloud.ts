import { Construct } from 'constructs';
import { ConfigIssue, EnvironmentConfig, PlatformName } from '../config/types';
import { ExternalSecret } from '../constructs/external-secret';
import { RequiredSecret } from '../constructs/required-secret';

/** Rules shared by the managed clouds, where the API serves real traffic. */
export function productionApiIssues(platform: PlatformName, config: EnvironmentConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.api.replicas < 2) {
    issues.push({ path: '/api/replicas', message: 'must be >= 2', rule: `${platform} runs the API highly available` });
  }
  if (!config.api.hostname) {
    issues.push({ path: '/api/hostname', message: 'is required', rule: `${platform} exposes the API on a public host name with TLS` });
  }
  return issues;
}

/** Where one Secret's keys live in a cloud secret manager. */
export interface RemoteLocation {
  readonly store: string;
  /** Remote secret name for a Kubernetes Secret name. */
  remoteName(secretName: string): string;
}

/**
 * An ExternalSecret that syncs a RequiredSecret from a cloud secret manager. Each remote secret
 * is a JSON document whose properties are the Secret's keys (`{"password": "…"}`).
 */
export function syncFromSecretManager(scope: Construct, secret: RequiredSecret, location: RemoteLocation): void {
  new ExternalSecret(scope, `${secret.node.id}External`, {
    name: secret.secretName,
    namespace: secret.namespace,
    storeName: location.store,
    labels: { 'app.kubernetes.io/part-of': 'cdc8s', 'app.kubernetes.io/managed-by': 'cdc8s' },
    data: secret.keys.map((key) => ({
      secretKey: key,
      key: location.remoteName(secret.secretName),
      property: key,
    })),
  });
}
