import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ConfigIssue, PlatformName } from '../model/config';
import { HttpBackend } from '../constructs/k8s/http-exposure';
import { NetworkFlow } from '../constructs/k8s/network-policy';
import { RequiredSecret } from '../constructs/k8s/required-secret';
import { BackupRepository } from '../model/backup-repository';

/** Storage a PersistentVolumeClaim asks for on this platform. */
export interface ClaimStorage {
  /** `''` binds only to a pre-created volume, never to the cluster's default class. */
  readonly storageClassName: string;
  /** Set when the claim binds to a static PersistentVolume by name. */
  readonly volumeName?: string;
}

/** A claim the platform must back with storage. */
export interface ClaimRequest {
  readonly claimName: string;
  readonly namespace: string;
  readonly size: string;
  readonly labels: Record<string, string>;
}

/** How an HTTP Service is typed on this platform, before any exposure object exists. */
export interface ServiceExposure {
  readonly type: 'ClusterIP' | 'NodePort';
  readonly nodePort?: number;
}

/** A push Secret for Strimzi's Connect image build. */
export interface PushSecretRequest {
  /** Name of the Secret (and of the objects that keep it fresh). */
  readonly name: string;
  readonly namespace: string;
  /** Where the image is pushed: `host[/path]`. */
  readonly registry: string;
  readonly labels: Record<string, string>;
}

/** Workloads whose ServiceAccount may be bound to a cloud identity. */
/** `api`: the transactions API; `registry-push`: the ServiceAccount whose identity mints registry tokens; `backup`: the database pod (pgBackRest). */
export type IdentityWorkload = 'api' | 'registry-push' | 'backup';

/**
 * Everything that differs between clusters. This is the only interface that knows the cloud:
 * charts and constructs receive what it resolves and never ask which platform they are on.
 */
export interface Platform {
  readonly name: PlatformName;

  /** What enforces NetworkPolicies on this platform: without it the pipeline's policies are inert. */
  readonly networkPolicyEnforcement: string;

  /** True where the user applies Secrets themselves (`npm run secrets`); false where they are synced. */
  readonly userAppliesSecrets: boolean;

  /** Rules this platform puts on a config beyond the schema. */
  check(): ConfigIssue[];

  /** Cluster-scoped objects the platform needs before workloads (e.g. a StorageClass). */
  addClusterResources(scope: Construct): void;

  /** Backs a claim with storage; may add a static PersistentVolume to `scope`. */
  claimStorage(scope: Construct, claim: ClaimRequest): ClaimStorage;

  /** Makes a required Secret appear in its namespace (an ExternalSecret), or leaves it to the user. */
  provideSecret(scope: Construct, secret: RequiredSecret): void;

  /**
   * A push Secret for Strimzi's Connect build that renews itself (Buildah reads only a
   * dockerconfigjson Secret: no IRSA, no Workload Identity); undefined where the registry needs none.
   */
  registryPushSecret(scope: Construct, request: PushSecretRequest): string | undefined;

  /** Annotations that bind a workload's ServiceAccount to a cloud identity. */
  serviceAccountAnnotations(workload: IdentityWorkload): Record<string, string>;

  /** Storage class of the Kafka node volumes (Strimzi creates those claims itself). */
  kafkaStorageClass(): string;

  /** Node label that names a failure domain (brokers spread replicas across it); undefined: none. */
  rackTopologyKey(): string | undefined;

  /** The Service type the API gets. */
  apiServiceExposure(): ServiceExposure;

  /** Where traffic to the API's pods comes from: the load balancer's addresses, or any for node ports. */
  apiTrafficSources(): k8s.NetworkPolicyPeer[];

  /** Egress a workload's cloud identity needs (token exchange, the cloud's APIs); empty without one. */
  identityEgress(workload: IdentityWorkload): NetworkFlow[];

  /** pgBackRest's repository: the cloud's object store, or a volume. */
  backupRepository(environment: string): BackupRepository;

  /**
   * The flows to the Kubernetes API server (config `kubernetesApi`, or the platform's default): what
   * every pod that reads Secrets through Strimzi's strimzisecrets provider, and every operator, needs.
   */
  kubernetesApiEgress(): readonly NetworkFlow[];

  /** Where pods send their DNS queries: the cluster's resolver, as NetworkPolicies can name it. */
  clusterDns(): readonly NetworkFlow[];

  /** Objects that expose the API outside the cluster (Ingress, Gateway, …). */
  exposeApi(scope: Construct, backend: HttpBackend): void;

  /** How a user gets the required Secrets into the cluster (printed by `npm run secrets`). */
  describeSecretSource(secret: RequiredSecret): string;

  /** What each namespace's secret reader identity must be granted, as copyable JSON; empty where the user applies Secrets. */
  secretGrants(secrets: readonly RequiredSecret[]): string[];
}

/** The flow to a control plane at these addresses and port. */
export function kubernetesApiFlow(api: { readonly cidrs: readonly string[]; readonly port: number }): NetworkFlow {
  return { peers: api.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [api.port] };
}
