/**
 * The shape of an environment file after validation and defaults
 * (see environment.schema.json, which documents every field and holds every default).
 */

/** The kinds of cluster cdc8s renders for; each has a section of its own in the config. */
export const PLATFORM_NAMES = ['minikube', 'eks', 'gke'] as const;
export type PlatformName = (typeof PLATFORM_NAMES)[number];

/** An image reference, always pinned by tag (and optionally by digest). */
export interface ImageRef {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
}

export interface ComputeResources {
  readonly cpu: string;
  readonly memory: string;
}

export interface Resources {
  readonly requests: ComputeResources;
  readonly limits: ComputeResources;
}

export interface CapturedTable {
  readonly schema: string;
  readonly table: string;
}

/** Extra Kafka/Connect/Debezium/client config keys; merged over ours and checked by the durability policy. */
export type KafkaConfigMap = Readonly<Record<string, string | number | boolean>>;

/** `full`: 3+ brokers, RF 3, min ISR 2. `reduced`: an explicit opt-in for fewer brokers. */
export type DurabilityLevel = 'full' | 'reduced';

export interface KafkaSettings {
  readonly name: string;
  /** Namespace of the Strimzi cluster operator (its pods are admitted to the streaming namespace). */
  readonly operatorNamespace: string;
  readonly version: string;
  readonly metadataVersion: string;
  readonly durability: DurabilityLevel;
  readonly brokers: { readonly replicas: number; readonly storage: { readonly size: string }; readonly resources: Resources };
  readonly controllers: {
    readonly mode: 'dual-role' | 'dedicated';
    readonly replicas: number;
    readonly storage: { readonly size: string };
    readonly resources: Resources;
  };
  readonly entityOperator: { readonly resources: Resources };
  readonly config: KafkaConfigMap;
}

export interface ConnectSettings {
  readonly name: string;
  readonly replicas: number;
  readonly resources: Resources;
  readonly debeziumVersion: string;
  readonly pluginSha512?: string;
  /** A prebuilt image with the plugin; set: Strimzi builds nothing. */
  readonly image?: ImageRef;
  readonly build: { readonly registry?: string; readonly repository: string; readonly pushSecret?: string; readonly resources: Resources };
  readonly config: KafkaConfigMap;
  readonly connector: { readonly name: string; readonly state: 'running' | 'paused' | 'stopped'; readonly config: KafkaConfigMap };
}

/** What the API and each consumer share: an image we run as a stateless, probed workload. */
export interface AppSettings {
  readonly name: string;
  readonly image: ImageRef;
  readonly replicas: number;
  /** Port of the HTTP (health) endpoints. */
  readonly port: number;
  readonly runAsUser: number;
  readonly probes: { readonly readinessPath: string; readonly livenessPath: string };
  readonly resources: Resources;
}

export interface ConsumerSettings extends AppSettings {
  /** `schema.table` of captured tables. */
  readonly tables: readonly string[];
  readonly groupId?: string;
  readonly config: KafkaConfigMap;
}

/** Argo CD delivery of dist/<env>/ (environment.schema.json, `argocd`). */
export interface ArgoCdSettings {
  readonly repoURL: string;
  readonly targetRevision: string;
  /** Omitted: dist/<environment name>. */
  readonly path?: string;
  readonly namespace: string;
  readonly destinationServer: string;
  readonly automated: boolean;
}

export interface MinikubeSettings {
  readonly postgresHostPath: string;
  readonly apiNodePort?: number;
}

/** A cloud identity per namespace that reads secrets: the data plane's and the apps plane's. */
export interface SecretReaders {
  readonly data: string;
  readonly apps: string;
}

export interface EksSettings {
  readonly certificateArn: string;
  /** The VPC's CIDR: where the ALB's traffic to pod IPs comes from, unless loadBalancerSubnetCidrs narrows it. */
  readonly vpcCidr: string;
  /** The cluster's Service CIDR (its kubernetes Service has the first address); unset: EKS's two defaults. */
  readonly serviceIpv4Cidr?: string;
  /** The ALB's subnets: the only sources the API admits (pods elsewhere in the VPC cannot bypass the ALB). */
  readonly loadBalancerSubnetCidrs?: readonly string[];
  readonly loadBalancerScheme: 'internet-facing' | 'internal';
  readonly sslPolicy: string;
  readonly apiRoleArn?: string;
  readonly connectBuildRoleArn?: string;
  readonly kmsKeyId?: string;
  /** IAM role of each namespace's SecretStore reader (data, apps). */
  readonly secretReaderRoleArns: SecretReaders;
  /** pgBackRest's S3 repository and the role the database pod assumes for it. */
  readonly backup: { readonly bucket: string; readonly roleArn: string };
  readonly secretKeyPrefix: string;
}

/** Where a GKE cluster's pods send DNS queries. */
export type GkeDnsProvider = 'kube-dns' | 'cloud-dns' | 'nodelocal-dns-cache';

export interface GkeSettings {
  readonly sslCertificate: string;
  /** The cluster's DNS provider (NetworkPolicies admit its resolver). */
  readonly dns: GkeDnsProvider;
  /** Compute Engine SSL policy (TLS 1.2+) of the Gateway's HTTPS frontend. */
  readonly sslPolicy: string;
  readonly apiServiceAccount?: string;
  readonly connectBuildServiceAccount?: string;
  readonly clusterName?: string;
  readonly clusterLocation?: string;
  readonly clusterProjectID?: string;
  readonly storageClass: 'premium-rwo' | 'standard-rwo';
  /** GCP service account of each namespace's SecretStore reader (data, apps). */
  readonly secretReaderServiceAccounts: SecretReaders;
  /** pgBackRest's GCS repository and the service account the database pod acts as for it. */
  readonly backup: { readonly bucket: string; readonly serviceAccount: string };
  readonly secretKeyPrefix: string;
}

/** Alert thresholds of the PrometheusRule (environment.schema.json, `observability.alerts`). */
export interface AlertThresholds {
  readonly slotWalRetainedRatio: number;
  readonly streamingLagSeconds: number;
  readonly consumerLagRecords: number;
  readonly backupGraceHours: number;
  readonly archiveBacklogSegments: number;
  readonly rebalancesPer15m: number;
}

/** Metrics, alerts and dashboards (environment.schema.json, `observability`). */
export interface ObservabilitySettings {
  readonly enabled: boolean;
  /** Where Prometheus runs: the only namespace admitted to the exporters. */
  readonly namespace: string;
  /** Labels a Prometheus selects PodMonitors and PrometheusRules by. */
  readonly prometheusLabels: Readonly<Record<string, string>>;
  readonly grafanaDashboardLabel: string;
  /** Where the cluster's kube-state-metrics runs, and as whom. */
  readonly kubeStateMetrics: { readonly namespace: string; readonly serviceAccount: string };
  readonly postgresExporter: { readonly resources: Resources };
  readonly kafkaExporter: { readonly resources: Resources };
  readonly alerts: AlertThresholds;
}

export interface EnvironmentConfig {
  readonly platform: PlatformName;
  readonly namespaces: { readonly data: string; readonly streaming: string; readonly apps: string };
  readonly images: { readonly registry: string };
  readonly postgres: {
    readonly baseImage: ImageRef;
    readonly imageRepository: string;
    readonly database: string;
    readonly users: { readonly app: string; readonly debezium: string };
    /** Timeouts set on the application role: no session holds a transaction open for long. */
    readonly appSessionLimits: { readonly idleInTransactionSeconds: number; readonly statementSeconds: number };
    readonly storage: { readonly size: string };
    readonly resources: Resources;
    readonly reconcile: { readonly resources: Resources };
    /** The PostgreSQL major a major upgrade goes to, once its runbook is followed (npm run diff refuses it otherwise). */
    readonly allowMajorUpgrade?: number;
    readonly backup: {
      readonly retentionFull: number;
      readonly fullEveryHours: number;
      readonly archiveTimeoutSeconds: number;
      readonly volumeSize: string;
      readonly resources: Resources;
    };
    readonly replication: {
      readonly maxWalSenders: number;
      readonly maxReplicationSlots: number;
      readonly maxSlotWalKeepSize: string;
    };
    readonly clientCidrs: readonly string[];
  };
  readonly capture: {
    readonly tables: readonly CapturedTable[];
    readonly publication: string;
    readonly slot: string;
    readonly signalTable: CapturedTable;
    readonly topicPrefix: string;
    readonly snapshotMode: 'initial' | 'initial_only' | 'no_data' | 'when_needed' | 'always';
    readonly heartbeatIntervalMs: number;
    readonly partitions: number;
    /** cleanup.policy of the CDC topics. */
    readonly cleanupPolicy: 'compact' | 'compact,delete' | 'delete';
    /** full: the reconcile sets REPLICA IDENTITY FULL on captured tables (whole rows before and after). */
    readonly replicaIdentity: 'full' | 'default';
    /** Debezium decimal.handling.mode. */
    readonly decimalHandling: 'string' | 'double';
    /** refuse: a trigger rejects TRUNCATE on captured tables; skip: Debezium skips it. */
    readonly truncate: 'refuse' | 'skip';
    /** Debezium provide.transaction.metadata, with its topic, ACLs and the consumers' subscription. */
    readonly transactionMetadata: boolean;
    /** The largest change event in bytes, carried to brokers, topics, producers and consumers. */
    readonly maxEventBytes: number;
  };
  readonly kafka: KafkaSettings;
  readonly connect: ConnectSettings;
  readonly consumers: readonly ConsumerSettings[];
  readonly api: AppSettings & { readonly hostname?: string };
  readonly observability: ObservabilitySettings;
  readonly argocd?: ArgoCdSettings;
  /** The control plane's addresses and port, as pods reach it; omitted: the platform's default. */
  readonly kubernetesApi?: { readonly cidrs: readonly string[]; readonly port: number };
  readonly minikube?: MinikubeSettings;
  readonly eks?: EksSettings;
  readonly gke?: GkeSettings;
}

/** A validated environment: its config plus where it came from. */
export interface Environment {
  /** Environment name: the file's base name (`eks` for environments/eks.yaml). */
  readonly name: string;
  /** The file it was loaded from, as given (used in messages). */
  readonly file: string;
  readonly config: EnvironmentConfig;
}

/** One problem with a config file: where, what, and why the rule exists. */
export interface ConfigIssue {
  /** JSON pointer into the file, e.g. `/api/replicas`. */
  readonly path: string;
  /** What is wrong, e.g. `must be >= 2`. */
  readonly message: string;
  /** Why the rule exists, e.g. `eks runs the API highly available`. */
  readonly rule: string;
}
