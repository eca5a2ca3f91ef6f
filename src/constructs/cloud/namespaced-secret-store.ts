import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import type { DeliversCredentials } from '../../model/apply-order';
import { commonLabels } from '../k8s/labels';

/** The SecretStore every ExternalSecret of a namespace reads through (one per namespace). */
export const SECRET_STORE_NAME = 'cdc8s-secrets';
/** The ServiceAccount whose cloud identity the store authenticates as. */
export const SECRET_READER_SERVICE_ACCOUNT = 'cdc8s-secret-reader';

export interface NamespacedSecretStoreProps {
  readonly namespace: string;
  /** The cloud identity of the reader (IRSA role or Workload Identity annotation). */
  readonly identityAnnotations: Record<string, string>;
  /** `spec.provider` of the SecretStore, authenticating as SECRET_READER_SERVICE_ACCOUNT. */
  readonly provider: Record<string, unknown>;
}

/**
 * A namespaced External Secrets `SecretStore` with its own ServiceAccount and cloud identity: an
 * ExternalSecret in this namespace can read only what that identity may read, unlike a
 * ClusterSecretStore, which would let anyone who can create an ExternalSecret in any namespace
 * pull every secret the store reaches (the Postgres superuser included).
 */
export class NamespacedSecretStore extends Construct implements DeliversCredentials {
  /** The reader and the store go in the secrets wave, before the ExternalSecrets that need them. */
  readonly deliversCredentials = true;
  /** The store of `namespace` under the app of `scope`, created in `scope` on first use. */
  static in(scope: IConstruct, props: NamespacedSecretStoreProps): NamespacedSecretStore {
    const id = `SecretStore-${props.namespace}`;
    const existing = scope.node.root.node.findAll().find((c): c is NamespacedSecretStore => c instanceof NamespacedSecretStore && c.namespace === props.namespace);
    return existing ?? new NamespacedSecretStore(scope, id, props);
  }

  readonly namespace: string;
  readonly name = SECRET_STORE_NAME;

  private constructor(scope: Construct, id: string, props: NamespacedSecretStoreProps) {
    super(scope, id);
    this.namespace = props.namespace;
    const labels = { ...commonLabels(), 'app.kubernetes.io/component': 'secret-store' };
    new k8s.KubeServiceAccount(this, 'Reader', {
      metadata: { name: SECRET_READER_SERVICE_ACCOUNT, namespace: props.namespace, labels, annotations: props.identityAnnotations },
      // External Secrets requests this account's tokens itself (TokenRequest); no pod mounts one.
      automountServiceAccountToken: false,
    });
    new ApiObject(this, 'Store', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: SECRET_STORE_NAME, namespace: props.namespace, labels },
      spec: { provider: props.provider },
    });
  }
}
