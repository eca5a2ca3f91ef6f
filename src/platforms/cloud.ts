import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ConfigIssue, EnvironmentConfig, ImageRef, PlatformName, SecretReaders } from '../model/config';
import { ExternalSecret } from '../constructs/cloud/external-secret';
import { NamespacedSecretStore, SECRET_STORE_NAME } from '../constructs/cloud/namespaced-secret-store';
import { HttpBackend } from '../constructs/k8s/http-exposure';
import { dnsFlows, KUBE_DNS_PODS, NetworkFlow } from '../constructs/k8s/network-policy';
import { commonLabels } from '../constructs/k8s/labels';
import { RegistryPushSecret, RegistryTokenGenerator } from '../constructs/cloud/registry-push-secret';
import { RequiredSecret } from '../constructs/k8s/required-secret';
import { ClaimStorage, IdentityWorkload, Platform, PushSecretRequest, ServiceExposure } from './platform';
import { BackupRepository } from '../model/backup-repository';

/** Where a managed cloud keeps the Secrets' values, and who may read which. */
export interface SecretManager {
  /** Product name, for instructions (e.g. `AWS Secrets Manager`). */
  readonly product: string;
  /** Remote secret name for a Kubernetes Secret name. */
  remoteName(secretName: string): string;
  /** `spec.provider` of a namespace's SecretStore, authenticating as SECRET_READER_SERVICE_ACCOUNT. */
  storeProvider(): Record<string, unknown>;
  /** The cloud identity annotations of the reader ServiceAccount of one plane's namespace. */
  readerIdentity(plane: keyof SecretReaders): Record<string, string>;
  /** What grants one reader exactly these remote secrets, as copyable JSON (npm run secrets prints it). */
  readerGrants(plane: keyof SecretReaders, namespace: string, remoteNames: readonly string[]): string[];
}

/**
 * What EKS and GKE share: the API runs highly available behind a cloud load balancer (so the
 * Service is ClusterIP), and Secrets are synced by External Secrets from the cloud's secret manager.
 */
export abstract class ManagedCloudPlatform implements Platform {
  abstract readonly name: PlatformName;
  readonly userAppliesSecrets = false;
  abstract readonly networkPolicyEnforcement: string;

  protected constructor(
    protected readonly config: EnvironmentConfig,
    private readonly secretManager: SecretManager,
  ) {}

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
    const store = NamespacedSecretStore.in(scope, {
      namespace: secret.namespace,
      identityAnnotations: this.secretManager.readerIdentity(this.planeOf(secret.namespace)),
      provider: this.secretManager.storeProvider(),
    });
    new ExternalSecret(scope, `${secret.node.id}External`, {
      name: secret.secretName,
      namespace: secret.namespace,
      storeName: store.name,
      labels: commonLabels(),
      data: secret.keys.map((key) => ({ secretKey: key, key: this.secretManager.remoteName(secret.secretName), property: key })),
    });
  }

  describeSecretSource(secret: RequiredSecret): string {
    return `${this.secretManager.product} secret ${this.secretManager.remoteName(secret.secretName)} (JSON keys: ${secret.keys.join(', ')}) via SecretStore ${SECRET_STORE_NAME} in ${secret.namespace}`;
  }

  /** For each namespace with Secrets, what its reader identity must be granted (nothing more). */
  secretGrants(secrets: readonly RequiredSecret[]): string[] {
    const namespaces = [...new Set(secrets.map((s) => s.namespace))];
    return namespaces.flatMap((namespace) => {
      const remote = [...new Set(secrets.filter((s) => s.namespace === namespace).map((s) => this.secretManager.remoteName(s.secretName)))];
      return this.secretManager.readerGrants(this.planeOf(namespace), namespace, remote);
    });
  }

  /** The plane (data, apps) whose reader identity a namespace's SecretStore uses. */
  private planeOf(namespace: string): keyof SecretReaders {
    const plane = (Object.entries(this.config.namespaces).find(([, name]) => name === namespace) ?? [])[0];
    if (plane !== 'data' && plane !== 'apps') throw new Error(`no secret reader identity for namespace ${namespace} (only the data and apps namespaces read secrets)`);
    return plane;
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
  abstract backupRepository(environment: string): BackupRepository;
  abstract kubernetesApiEgress(): readonly NetworkFlow[];

  /** The cluster's CoreDNS (EKS) or kube-dns pods; GKE names its resolver in gke.dns. */
  clusterDns(): readonly NetworkFlow[] {
    return dnsFlows([KUBE_DNS_PODS]);
  }

  /** True when the platform binds the workload's ServiceAccount to a cloud identity. */
  protected hasIdentity(workload: IdentityWorkload): boolean {
    return Object.keys(this.serviceAccountAnnotations(workload)).length > 0;
  }
}
