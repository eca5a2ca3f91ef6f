import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ConfigIssue, EnvironmentConfig, ImageRef, PlatformName } from '../config/types';
import { ExternalSecret } from '../constructs/external-secret';
import { HttpBackend } from '../constructs/http-exposure';
import { NetworkFlow } from '../constructs/network-policy';
import { commonLabels } from '../constructs/labels';
import { RegistryPushSecret, RegistryTokenGenerator } from '../constructs/registry-push-secret';
import { RequiredSecret } from '../constructs/required-secret';
import { ClaimStorage, IdentityWorkload, Platform, PushSecretRequest, ServiceExposure } from './platform';

/** Where a managed cloud keeps the Secrets' values. */
export interface SecretManager {
  /** Product name, for instructions (e.g. `AWS Secrets Manager`). */
  readonly product: string;
  /** The ClusterSecretStore the ExternalSecrets read from. */
  readonly store: string;
  /** Remote secret name for a Kubernetes Secret name. */
  remoteName(secretName: string): string;
}

/**
 * What EKS and GKE share: the API runs highly available behind a cloud load balancer (so the
 * Service is ClusterIP), and Secrets are synced by External Secrets from the cloud's secret manager.
 */
export abstract class ManagedCloudPlatform implements Platform {
  abstract readonly name: PlatformName;
  readonly userAppliesSecrets = false;
  abstract readonly networkPolicyEnforcement: string;

  protected constructor(protected readonly config: EnvironmentConfig, private readonly secretManager: SecretManager) {}

  check(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    if (this.config.api.replicas < 2) {
      issues.push({ path: '/api/replicas', message: 'must be >= 2', rule: `${this.name} runs the API highly available` });
    }
    if (!this.config.api.hostname) {
      issues.push({ path: '/api/hostname', message: 'is required', rule: `${this.name} exposes the API on a public host name with TLS` });
    }
    issues.push(...this.digestIssues());
    const { connect, images } = this.config;
    if (!connect.image && !connect.build.pushSecret) {
      const registryPath = connect.build.registry ? '/connect/build/registry' : '/images/registry';
      issues.push(...this.pushIssues(connect.build.registry ?? images.registry, registryPath));
    }
    return issues;
  }

  /** Images we run but do not build are referenced by digest: a tag can be moved to other content. */
  private digestIssues(): ConfigIssue[] {
    const { postgres, api, consumers, connect } = this.config;
    const images: [string, ImageRef | undefined][] = [
      ['/postgres/baseImage', postgres.baseImage],
      ['/api/image', api.image],
      ...consumers.map((c, i): [string, ImageRef] => [`/consumers/${i}/image`, c.image]),
      ['/connect/image', connect.image],
    ];
    return images
      .filter(([, image]) => image !== undefined && image.digest === undefined)
      .map(([path, image]) => ({
        path: `${path}/digest`,
        message: `is required (${image?.registry}/${image?.repository}:${image?.tag} is pinned by tag only)`,
        rule: `${this.name} runs images by digest: a tag can be pushed over with other content`,
      }));
  }

  /** Why Strimzi's build could not push to this registry with the generated credentials (empty: it can). */
  protected abstract pushIssues(registry: string, registryPath: string): ConfigIssue[];

  /**
   * An ExternalSecret per required Secret. Each remote secret is a JSON document whose
   * properties are the Secret's keys (`{"password": "…"}`).
   */
  provideSecret(scope: Construct, secret: RequiredSecret): void {
    new ExternalSecret(scope, `${secret.node.id}External`, {
      name: secret.secretName,
      namespace: secret.namespace,
      storeName: this.secretManager.store,
      labels: commonLabels(),
      data: secret.keys.map((key) => ({ secretKey: key, key: this.secretManager.remoteName(secret.secretName), property: key })),
    });
  }

  describeSecretSource(secret: RequiredSecret): string {
    const { product, store } = this.secretManager;
    return `${product} secret ${this.secretManager.remoteName(secret.secretName)} (JSON keys: ${secret.keys.join(', ')}) via ClusterSecretStore ${store}`;
  }

  /** An External Secrets generator mints registry tokens with the push identity; an ExternalSecret renders them as a Docker login. */
  registryPushSecret(scope: Construct, request: PushSecretRequest): string {
    const generator = this.registryTokenGenerator(request.registry);
    return new RegistryPushSecret(scope, 'RegistryPush', { ...request, generator }).secretName;
  }

  /** The generator for this cloud's registry (the config rules guarantee the registry is the cloud's). */
  protected abstract registryTokenGenerator(registry: string): RegistryTokenGenerator;

  apiServiceExposure(): ServiceExposure {
    return { type: 'ClusterIP' };
  }

  abstract addClusterResources(scope: Construct): void;
  abstract claimStorage(scope: Construct): ClaimStorage;
  abstract serviceAccountAnnotations(workload: IdentityWorkload): Record<string, string>;
  abstract kafkaStorageClass(): string;

  /** Managed node groups span zones and label nodes with theirs: spread replicas across zones. */
  rackTopologyKey(): string {
    return 'topology.kubernetes.io/zone';
  }
  abstract exposeApi(scope: Construct, backend: HttpBackend): void;
  abstract apiTrafficSources(): k8s.NetworkPolicyPeer[];
  abstract identityEgress(workload: IdentityWorkload): NetworkFlow[];
  abstract kubernetesApiEgress(): NetworkFlow;

  /** True when the platform binds the workload's ServiceAccount to a cloud identity. */
  protected hasIdentity(workload: IdentityWorkload): boolean {
    return Object.keys(this.serviceAccountAnnotations(workload)).length > 0;
  }
}
