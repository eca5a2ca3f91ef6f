import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { commonLabels } from './labels';
import { RequiredSecret } from './required-secret';

export interface SecretReadGrantProps {
  /** Role and RoleBinding name. */
  readonly name: string;
  /** The Secret that may be read (the grant lives in its namespace). */
  readonly secret: RequiredSecret;
  /** The ServiceAccount that may read it, possibly from another namespace. */
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
}

/** `get` on exactly one Secret for exactly one ServiceAccount: no list, no watch, no other Secret. */
export class SecretReadGrant extends Construct {
  constructor(scope: Construct, id: string, props: SecretReadGrantProps) {
    super(scope, id);
    const metadata = { name: props.name, namespace: props.secret.namespace, labels: commonLabels() };
    new k8s.KubeRole(this, 'Role', {
      metadata,
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [props.secret.secretName], verbs: ['get'] }],
    });
    new k8s.KubeRoleBinding(this, 'Binding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.name },
      subjects: [{ kind: 'ServiceAccount', name: props.serviceAccount.name, namespace: props.serviceAccount.namespace }],
    });
  }
}
