import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { withConfigDefaults } from '../../model/config-defaults';
import { CA_KEY } from '../postgres/tls';
import {
  KafkaConnect as KafkaConnectResource,
  KafkaConnectSpecAuthenticationType,
  KafkaConnectSpecBuildOutputType,
  KafkaConnectSpec,
  KafkaConnectSpecBuildPluginsArtifactsType,
  KafkaConnectSpecBuildResourcesLimits,
  KafkaConnectSpecBuildResourcesRequests,
  KafkaConnectSpecMetricsConfigType,
  KafkaConnectSpecResourcesLimits,
  KafkaConnectSpecResourcesRequests,
} from '../../../imports/kafka.strimzi.io';
import { KafkaConfigMap, Resources } from '../../model/config';
import { debeziumPostgresPluginUrl } from '../../model/debezium-plugin';
import { KafkaCluster } from './cluster';
import { KafkaUser } from './user';
import { commonLabels } from '../k8s/labels';
import { resourceQuantities } from '../k8s/resources';
import { connectBuildSecurityContext, restrictedContainerSecurityContext, strimziPodSecurityContext } from '../k8s/security';
import { brokerPodLabels, connectBuildPodLabels, CONNECT_REST_PORT, connectServiceAccount, connectWorkerPodLabels, strimziPodLabels, TLS_LISTENER_PORT } from '../../model/strimzi';
import { HTTPS_EXCEPT_METADATA, NetworkFlow, podPeer, PodPeer, WorkloadNetworkPolicy } from '../k8s/network-policy';
import { spreadAcrossZonesAndNodes } from '../k8s/workload';
import { applyCallerMetadata, CallerMetadata } from '../k8s/caller-metadata';
import { jmxMetrics } from './jmx-metrics';

/** Connect's three internal topics, named after its group (one Connect cluster, one set). */
export interface ConnectInternalTopics {
  readonly config: string;
  readonly offset: string;
  readonly status: string;
}

export function connectInternalTopics(connectName: string): ConnectInternalTopics {
  return { config: `${connectName}-configs`, offset: `${connectName}-offsets`, status: `${connectName}-status` };
}

/**
 * Partition counts Kafka Connect itself uses when it creates these topics (config.storage: 1, it
 * must be totally ordered; offset.storage.partitions 25; status.storage.partitions 5).
 */
export const CONNECT_INTERNAL_PARTITIONS: Readonly<Record<keyof ConnectInternalTopics, number>> = { config: 1, offset: 25, status: 5 };

/** Strimzi builds the image (Buildah on Kubernetes) and pushes it; the workers then run it. */
export interface OperatorBuild {
  readonly type: 'operator-build';
  /** Image the build pushes and the workers run; its tag names its content. */
  readonly outputImage: string;
  /** dockerconfigjson Secret with push credentials (Buildah's only way to authenticate). */
  readonly pushSecret?: string;
  /** Debezium Postgres connector version, e.g. `3.4.3.Final`. */
  readonly debeziumVersion: string;
  /** Checksum of the plugin archive; the build fails on a mismatch. */
  readonly pluginSha512: string;
  /** Requests and limits of the image build pod. */
  readonly resources: Resources;
}

/** The workers run an image built elsewhere (the rendered build context): no build pod runs. */
export interface PrebuiltImage {
  readonly type: 'prebuilt';
  readonly image: string;
}

export type ConnectImageSource = OperatorBuild | PrebuiltImage;

/**
 * The tag of an operator-built image: the versions, plus a digest of what goes into the image (base
 * image, plugin archive and its checksum), so different content never reuses a tag (ECR
 * repositories are often immutable-tag).
 */
export function operatorBuildTag(kafkaVersion: string, debeziumVersion: string, content: readonly string[]): string {
  const digest = createHash('sha256').update(content.join('\0')).digest('hex').slice(0, 12);
  return `${kafkaVersion}-debezium-${debeziumVersion}-${digest}`;
}

export interface KafkaConnectProps {
  /** Labels and annotations added to every object it renders (its own win). */
  readonly metadata?: CallerMetadata;
  /**
   * Name of the KafkaConnect; also its group.id and internal topic prefix.
   * @default 'cdc-connect' (config schema: connect.name)
   */
  readonly name?: string;
  /** Namespace of the Connect pods: the Kafka namespace, where its KafkaUser's Secret is written. */
  readonly namespace: string;
  /** The Kafka cluster it connects to (bootstrap address, CA Secret). */
  readonly cluster: KafkaCluster;
  /** The KafkaUser it authenticates as (its Secret is in the cluster's namespace, which must be this one). */
  readonly user: KafkaUser;
  /** Kafka version of the Connect runtime (the cluster's). */
  readonly version: string;
  /**
   * Worker pods; the connector's single task fails over between them.
   * @default 2 (config schema: connect.replicas)
   */
  readonly replicas?: number;
  /** Requests and limits of each worker. */
  readonly resources: Resources;
  /** Where the workers' image comes from: Strimzi's build, or an image built from the rendered context. */
  readonly image: ConnectImageSource;
  /** The Strimzi cluster operator's pods, admitted to the REST API (it manages connectors there). */
  readonly operator: PodPeer;
  /** Worker config (spec.config): durability settings plus overrides. */
  readonly config: KafkaConfigMap;
  /**
   * Where the workers may connect besides DNS, the brokers' TLS listener and each other's REST
   * API: the source database, and the Kubernetes API (Strimzi's secrets provider).
   */
  readonly egress: readonly NetworkFlow[];
  /** Where the workers and the build resolve names (the platform's DNS). */
  readonly dns: readonly NetworkFlow[];
  /** The database's CA certificate, as a Secret volume with a `ca.crt` item: mounted for connectors to verify the server. */
  readonly databaseTrust: k8s.Volume;
  /**
   * The JMX exporter on every worker (rules: files/connect-metrics.yaml: workers, connector and task
   * states, Debezium's streaming and snapshot metrics). Default: off.
   */
  readonly metrics?: boolean;
}

/** Where the workers see the database's CA (Strimzi admits additional volume mounts only under /mnt). */
const DATABASE_TRUST_DIR = '/mnt/postgres-tls';

/** Where each setting a caller may leave out takes its default (the `@default`s above). */
export const CONNECT_DEFAULTS = {
  name: 'connect.name',
  replicas: 'connect.replicas',
} as const;

/**
 * Kafka Connect with the Debezium Postgres plugin: built by Strimzi from the Maven Central archive,
 * or a prebuilt image of the same content.
 * Connectors are KafkaConnector resources (`use-connector-resources`), never REST calls, so Git is
 * the source of truth. It trusts the cluster CA and authenticates with SCRAM as its own KafkaUser.
 */
export class KafkaConnect extends Construct {
  readonly name: string;
  readonly namespace: string;
  /** The ServiceAccount Strimzi runs the workers as (for RBAC on secrets the config provider reads). */
  readonly serviceAccountName: string;
  /** The database's CA certificate as the workers see it: connectors verify the server against it. */
  readonly databaseCaFile = `${DATABASE_TRUST_DIR}/${CA_KEY}`;
  readonly internalTopics: ConnectInternalTopics;

  constructor(scope: Construct, id: string, given: KafkaConnectProps) {
    const props = withConfigDefaults(given, CONNECT_DEFAULTS);
    super(scope, id);
    if (props.user.secret.namespace !== props.namespace) {
      throw new Error(`KafkaConnect ${props.name}: its KafkaUser's Secret is written to ${props.user.secret.namespace}; Connect must run there, not in ${props.namespace}`);
    }
    this.name = props.name;
    this.namespace = props.namespace;
    this.serviceAccountName = connectServiceAccount(props.name);
    this.internalTopics = connectInternalTopics(props.name);
    const labels = { ...commonLabels(), 'app.kubernetes.io/component': 'kafka-connect' };
    const metricsConfig = props.metrics
      ? jmxMetrics(this, { name: `${props.name}-connect-metrics`, namespace: props.namespace, labels, rulesFile: 'constructs/kafka/files/connect-metrics.yaml' })
      : undefined;

    new KafkaConnectResource(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels,
        annotations: { 'strimzi.io/use-connector-resources': 'true' },
      },
      spec: {
        version: props.version,
        replicas: props.replicas,
        bootstrapServers: props.cluster.bootstrapServers,
        groupId: props.name,
        configStorageTopic: this.internalTopics.config,
        offsetStorageTopic: this.internalTopics.offset,
        statusStorageTopic: this.internalTopics.status,
        tls: { trustedCertificates: [{ secretName: props.cluster.clusterCaSecret, certificate: 'ca.crt' }] },
        authentication: {
          type: KafkaConnectSpecAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512,
          username: props.user.userName,
          passwordSecret: { secretName: props.user.secret.name, password: 'password' },
        },
        config: props.config,
        ...(metricsConfig ? { metricsConfig: { type: KafkaConnectSpecMetricsConfigType.JMX_PROMETHEUS_EXPORTER, ...metricsConfig } } : {}),
        resources: resourceQuantities(props.resources, KafkaConnectSpecResourcesLimits, KafkaConnectSpecResourcesRequests),
        ...imageSpec(props.image),
        template: {
          // The connector's task moves to another worker while one is drained.
          podDisruptionBudget: { maxUnavailable: 1 },
          pod: {
            securityContext: strimziPodSecurityContext({ writesVolumes: false }),
            // The generated Strimzi types model a volume and a spread constraint as their own classes; the k8s shapes are the same JSON.
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            volumes: [props.databaseTrust as any],
            // Workers on different zones and nodes where there are any, so one failure leaves a worker for the task.
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            ...(props.replicas >= 2 ? { topologySpreadConstraints: spreadAcrossZonesAndNodes(connectWorkerPodLabels(props.name)) as any } : {}),
          },
          // Read-only root: Strimzi mounts /tmp; plugins are baked into the image at build time.
          connectContainer: {
            securityContext: restrictedContainerSecurityContext(),
            volumeMounts: [{ name: props.databaseTrust.name, mountPath: DATABASE_TRUST_DIR, readOnly: true }],
          },
          initContainer: { securityContext: restrictedContainerSecurityContext() },
          ...(props.image.type === 'operator-build' ? { buildContainer: { securityContext: connectBuildSecurityContext() } } : {}),
        },
      },
    });

    // Egress (the namespace denies it by default): a connector decides where the workers connect,
    // so they may reach only these. Workers forward REST requests to the leader on 8083.
    const workers = { namespace: props.namespace, podLabels: connectWorkerPodLabels(props.name) };
    new WorkloadNetworkPolicy(this, 'WorkerEgress', {
      name: `${props.name}-connect-egress`,
      namespace: props.namespace,
      labels,
      podSelector: workers.podLabels,
      dns: props.dns,
      egress: [
        { peers: [podPeer({ namespace: props.cluster.namespace, podLabels: brokerPodLabels(props.cluster.name) })], ports: [TLS_LISTENER_PORT] },
        { peers: [podPeer(workers)], ports: [CONNECT_REST_PORT] },
        ...props.egress,
      ],
    });
    if (props.image.type === 'operator-build') {
      // The build downloads the plugin and pushes the image over HTTPS; never the metadata servers.
      new WorkloadNetworkPolicy(this, 'BuildEgress', {
        name: `${props.name}-connect-build-egress`,
        namespace: props.namespace,
        labels,
        podSelector: connectBuildPodLabels(props.name),
        dns: props.dns,
        egress: [HTTPS_EXCEPT_METADATA],
      });
    }

    // Strimzi renders this flow too; ours keeps it when network policy generation is off.
    new WorkloadNetworkPolicy(this, 'OperatorAccess', {
      name: `${props.name}-strimzi-operator`,
      namespace: props.namespace,
      labels,
      podSelector: strimziPodLabels('KafkaConnect', props.name),
      ingress: [{ peers: [podPeer(props.operator)], ports: [CONNECT_REST_PORT] }],
    });
    applyCallerMetadata(this, props.metadata);
  }
}

/** `spec.build` for an operator build, `spec.image` for a prebuilt image (never both). */
function imageSpec(source: ConnectImageSource): Pick<KafkaConnectSpec, 'build_' | 'image'> {
  if (source.type === 'prebuilt') return { image: source.image };
  return {
    build_: {
      resources: resourceQuantities(source.resources, KafkaConnectSpecBuildResourcesLimits, KafkaConnectSpecBuildResourcesRequests),
      output: {
        type: KafkaConnectSpecBuildOutputType.DOCKER,
        image: source.outputImage,
        ...(source.pushSecret ? { pushSecret: source.pushSecret } : {}),
      },
      plugins: [
        {
          name: 'debezium-postgres',
          artifacts: [
            {
              type: KafkaConnectSpecBuildPluginsArtifactsType.TGZ,
              url: debeziumPostgresPluginUrl(source.debeziumVersion),
              sha512Sum: source.pluginSha512,
            },
          ],
        },
      ],
    },
  };
}
