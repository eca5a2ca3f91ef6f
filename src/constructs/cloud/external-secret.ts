import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret' with { 'resolution-mode': 'import' };
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Where one key of the target Secret comes from in the external store. */
export interface RemoteKey {
  /** Key in the Kubernetes Secret. */
  readonly secretKey: string;
  /** Name of the secret in the external store. */
  readonly key: string;
  /** JSON property inside the external secret, when the store keeps a JSON document. */
  readonly property?: string;
}

export interface ExternalSecretProps {
  /** Name of the ExternalSecret and of the Secret it creates. */
  readonly name: string;
  /** Namespace of both. */
  readonly namespace: string;
  /** The SecretStore (in the same namespace) to read from. */
  readonly storeName: string;
  /** One entry per key of the target Secret. */
  readonly data: readonly RemoteKey[];
  /**
   * How often the operator re-reads the store, so a rotated password reaches the cluster.
   * @default '1h'
   */
  readonly refreshInterval?: string;
  /** Labels of the ExternalSecret. */
  readonly labels?: Record<string, string>;
}

/**
 * An External Secrets Operator `ExternalSecret` (external-secrets.io/v1): the Secret is created
 * in the cluster from a cloud secret manager, so no value is ever rendered by cdc8s.
 */
export class ExternalSecret extends ApiObject {
  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    // Typed with the ESO model: a misspelt or unknown field is a compile error (the runtime model check does not catch those).
    const spec = {
      refreshInterval: props.refreshInterval ?? '1h',
      secretStoreRef: { kind: 'SecretStore', name: props.storeName },
      target: { name: props.name, creationPolicy: 'Owner' },
      data: props.data.map((d) => ({
        secretKey: d.secretKey,
        remoteRef: { key: d.key, ...(d.property ? { property: d.property } : {}) },
      })),
    } satisfies IExternalSecret['spec'];
    super(scope, id, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec,
    });
  }
}
