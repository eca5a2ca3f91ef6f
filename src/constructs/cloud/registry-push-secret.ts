import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret' with { 'resolution-mode': 'import' };
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { DeliversCredentials } from '../../model/apply-order';

/** apiVersion of External Secrets Operator's generators (CRDs in external-secrets 2.9.0). */
export const ESO_GENERATORS_API = 'generators.external-secrets.io/v1alpha1';

/**
 * A short-lived registry token an External Secrets generator mints with a cloud identity. Both
 * generators output the login as `username` and `password` (ECRAuthorizationToken: `AWS` and the
 * token, plus proxy_endpoint and expires_at; GCRAccessToken: `oauth2accesstoken` and the access
 * token, plus expiry: generators/v1/{ecr,gcr} in external-secrets).
 */
export interface RegistryTokenGenerator {
  /** `ECRAuthorizationToken` or `GCRAccessToken`. */
  readonly kind: 'ECRAuthorizationToken' | 'GCRAccessToken';
  /** The generator's spec, given the ServiceAccount whose cloud identity it uses. */
  spec(serviceAccountName: string): Record<string, unknown>;
  /** Registry host the credentials are for (the `auths` key). */
  readonly registryHost: string;
  /** Annotations binding the ServiceAccount to the cloud identity allowed to push. */
  readonly serviceAccountAnnotations: Record<string, string>;
}

export interface RegistryPushSecretProps {
  /** Name of the Secret (and of the ExternalSecret, generator and ServiceAccount). */
  readonly name: string;
  readonly namespace: string;
  readonly generator: RegistryTokenGenerator;
  readonly labels: Record<string, string>;
  /**
   * How often a new token is minted. ECR tokens last 12 h and Artifact Registry tokens 1 h, so the
   * Secret is renewed well before either expires.
   * @default '30m'
   */
  readonly refreshInterval?: string;
}

/**
 * A `kubernetes.io/dockerconfigjson` Secret that stays fresh on its own: an External Secrets
 * generator mints a registry token with a cloud identity (IRSA, Workload Identity) and an
 * ExternalSecret renders it as a Docker login. Strimzi's Buildah build reads it from
 * `spec.build.output.pushSecret`; Buildah itself has no cloud credential helper.
 */
export class RegistryPushSecret extends Construct implements DeliversCredentials {
  readonly secretName: string;
  readonly deliversCredentials = true;

  constructor(scope: Construct, id: string, props: RegistryPushSecretProps) {
    super(scope, id);
    this.secretName = props.name;
    const { generator } = props;
    const metadata = { name: props.name, namespace: props.namespace, labels: props.labels };

    new k8s.KubeServiceAccount(this, 'Identity', {
      metadata: { ...metadata, annotations: generator.serviceAccountAnnotations },
      // Only ESO's controller uses it (it requests tokens for it); no pod mounts one.
      automountServiceAccountToken: false,
    });
    new ApiObject(this, 'Generator', {
      apiVersion: ESO_GENERATORS_API,
      kind: generator.kind,
      metadata,
      spec: generator.spec(props.name),
    });
    const dockerConfig = dockerConfigTemplate(generator.registryHost);
    const spec = {
      refreshInterval: props.refreshInterval ?? '30m',
      target: {
        name: props.name,
        creationPolicy: 'Owner',
        template: { type: 'kubernetes.io/dockerconfigjson', engineVersion: 'v2', data: { '.dockerconfigjson': dockerConfig } },
      },
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion: ESO_GENERATORS_API, kind: generator.kind, name: props.name } } }],
    } satisfies IExternalSecret['spec'];
    new ApiObject(this, 'Secret', { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata, spec });
  }
}

/**
 * The push Secret's `.dockerconfigjson` as an External Secrets (v2) template over the generator's
 * output. Buildah reads it as REGISTRY_AUTH_FILE through containers/image, which takes a login
 * only from `auths.<host>.auth` (base64 of `user:password`) or `identitytoken`: `username` and
 * `password` fields there are ignored, and the push goes out anonymous.
 */
export function dockerConfigTemplate(registryHost: string): string {
  return `{"auths":{"${registryHost}":{"auth":"{{ print .username ":" .password | b64enc }}"}}}`;
}
