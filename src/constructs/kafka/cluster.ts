import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { withConfigDefaults, WithDefaults } from '../../model/config-defaults';
import {
  Kafka,
  KafkaNodePool,
  KafkaNodePoolSpecResourcesLimits,
  KafkaNodePoolSpecResourcesRequests,
  KafkaNodePoolSpecRoles,
  KafkaNodePoolSpecStorageType,
  KafkaNodePoolSpecStorageVolumesKraftMetadata,
  KafkaNodePoolSpecStorageVolumesType,
  KafkaSpecEntityOperatorTopicOperatorResourcesLimits,
  KafkaSpecEntityOperatorTopicOperatorResourcesRequests,
  KafkaSpecEntityOperatorUserOperatorResourcesLimits,
  KafkaSpecEntityOperatorUserOperatorResourcesRequests,
  KafkaSpecKafkaAuthorizationType,
  KafkaSpecKafkaListenersAuthenticationType,
  KafkaSpecKafkaListenersType,
  KafkaSpecKafkaExporterResourcesLimits,
  KafkaSpecKafkaMetricsConfigType,
  KafkaSpecKafkaExporterResourcesRequests,
} from '../../../imports/kafka.strimzi.io';
import { KafkaConfigMap, Resources } from '../../model/config';
import { commonLabels } from '../k8s/labels';
import { NetworkFlow, podPeer, PodPeer, WorkloadNetworkPolicy } from '../k8s/network-policy';
import { resourceQuantities } from '../k8s/resources';
import { restrictedContainerSecurityContext, strimziPodSecurityContext } from '../k8s/security';
import {
  bootstrapAddress,
  clusterCaCertSecret,
  entityOperatorPodLabels,
  KAFKA_CONTROL_PLANE_PORT,
  KAFKA_OPERATOR_PORTS,
  KAFKA_REPLICATION_PORT,
  kafkaExporterPodLabels,
  kafkaNodePodLabels,
  STRIMZI_CLUSTER_LABEL,
  STRIMZI_METRICS_PORT,
  strimziPodLabels,
  TLS_LISTENER_PORT,
} from '../../model/strimzi';
import { applyCallerMetadata, CallerMetadata } from '../k8s/caller-metadata';
import { jmxMetrics } from './jmx-metrics';

/** One KafkaNodePool's size. */
export interface NodePoolSize {
  /** Nodes in the pool. */
  readonly replicas: number;
  /** Size of each node's persistent volume, e.g. `100Gi`. */
  readonly storageSize: string;
  /** Requests and limits of each node. */
  readonly resources: Resources;
}

export interface KafkaClusterProps {
  /** Labels and annotations added to every object it renders (its own win). */
  readonly metadata?: CallerMetadata;
  /**
   * Name of the Kafka resource; Strimzi derives Service and Secret names from it.
   * @default 'cdc' (config schema: kafka.name)
   */
  readonly name?: string;
  /** Namespace of the cluster; the entity operator watches it for KafkaTopic and KafkaUser. */
  readonly namespace: string;
  /**
   * Kafka version, e.g. `4.3.1`.
   * @default '4.3.1' (config schema: kafka.version)
   */
  readonly version?: string;
  /**
   * KRaft metadata version, e.g. `4.3-IV0`; pinned so that an operator upgrade never moves it.
   * @default '4.3-IV0' (config schema: kafka.metadataVersion)
   */
  readonly metadataVersion?: string;
  /** The `broker` pool. */
  readonly brokers: NodePoolSize;
  /** A dedicated `controller` pool; omitted: the brokers are also the KRaft controllers. */
  readonly dedicatedControllers?: NodePoolSize;
  /** Storage class of the node volumes (Strimzi creates the claims). */
  readonly storageClass: string;
  /** Node label brokers take their rack from (`broker.rack`); omitted: no rack awareness. */
  readonly rackTopologyKey?: string;
  /** Broker config (spec.kafka.config): the durability settings plus any overrides. */
  readonly config: KafkaConfigMap;
  /** Requests and limits of the topic and user operators. */
  readonly entityOperatorResources: Resources;
  /** The only pods that may reach the TLS listener (Strimzi renders that NetworkPolicy from them). */
  readonly clients: readonly PodPeer[];
  /** The Strimzi cluster operator's pods, admitted to the control, replication and agent ports. */
  readonly operator: PodPeer;
  /** The Kubernetes API server, as pods reach it: the nodes (their certificates, through strimzisecrets) and the entity operator. */
  readonly kubernetesApi: readonly NetworkFlow[];
  /** Where its pods resolve names (the platform's DNS). */
  readonly dns: readonly NetworkFlow[];
  /**
   * Metrics: the JMX exporter on every node (rules: files/kafka-metrics.yaml) and Kafka Exporter
   * (consumer group lag) with these resources, scraped from the given namespace. Omitted: none.
   */
  readonly metrics?: { readonly kafkaExporterResources: Resources; readonly scrapedFrom: PodPeer };
}

/** Where each setting a caller may leave out takes its default (the `@default`s above). */
export const CLUSTER_DEFAULTS = {
  name: 'kafka.name',
  version: 'kafka.version',
  metadataVersion: 'kafka.metadataVersion',
} as const;

/**
 * A KRaft Kafka cluster on Strimzi 1.2 (`kafka.strimzi.io/v1`): the Kafka resource and its node
 * pools. One internal listener, TLS with SCRAM-SHA-512, and simple ACL authorization: every client
 * is a KafkaUser. The entity operator reconciles KafkaTopic and KafkaUser in this namespace.
 */
export class KafkaCluster extends Construct {
  readonly name: string;
  readonly namespace: string;
  /** `host:port` of the TLS listener, valid from any namespace. */
  readonly bootstrapServers: string;
  /** Secret (in this namespace) with the cluster CA certificate clients trust. */
  readonly clusterCaSecret: string;
  /** Name of the listener clients use (TLS, SCRAM-SHA-512). */
  readonly listenerName = 'tls';
  /** The pods the listener's NetworkPolicy admits (Strimzi renders it from these). */
  private readonly listenerPeers: k8s.NetworkPolicyPeer[] = [];

  constructor(scope: Construct, id: string, given: KafkaClusterProps) {
    const props = withConfigDefaults(given, CLUSTER_DEFAULTS);
    super(scope, id);
    this.name = props.name;
    for (const client of props.clients) this.allowClient(client);
    this.namespace = props.namespace;
    this.bootstrapServers = bootstrapAddress(props.name, props.namespace, TLS_LISTENER_PORT);
    this.clusterCaSecret = clusterCaCertSecret(props.name);
    const labels = { ...commonLabels(), 'app.kubernetes.io/component': 'kafka' };
    const poolLabels = { ...labels, [STRIMZI_CLUSTER_LABEL]: props.name };
    const metricsConfig = props.metrics
      ? jmxMetrics(this, { name: `${props.name}-kafka-metrics`, namespace: props.namespace, labels, rulesFile: 'constructs/kafka/files/kafka-metrics.yaml' })
      : undefined;

    new Kafka(this, 'Kafka', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        kafka: {
          version: props.version,
          metadataVersion: props.metadataVersion,
          listeners: [
            {
              name: this.listenerName,
              port: TLS_LISTENER_PORT,
              type: KafkaSpecKafkaListenersType.INTERNAL,
              tls: true,
              authentication: { type: KafkaSpecKafkaListenersAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512 },
              // Read at synth: allowClient (a grant) adds to it until then.
              networkPolicyPeers: this.listenerPeers,
            },
          ],
          authorization: { type: KafkaSpecKafkaAuthorizationType.SIMPLE },
          config: props.config,
          ...(metricsConfig ? { metricsConfig: { type: KafkaSpecKafkaMetricsConfigType.JMX_PROMETHEUS_EXPORTER, ...metricsConfig } } : {}),
          ...(props.rackTopologyKey ? { rack: { topologyKey: props.rackTopologyKey } } : {}),
          template: {
            // One broker down at a time (drains, upgrades): with RF 3 and min ISR 2, writes continue.
            podDisruptionBudget: { maxUnavailable: 1 },
          },
        },
        ...(props.metrics ? { kafkaExporter: kafkaExporterSpec(props.metrics.kafkaExporterResources) } : {}),
        entityOperator: {
          // Restricted even when the operator runs with the baseline provider (the default).
          template: {
            pod: { securityContext: strimziPodSecurityContext({ writesVolumes: false }) },
            topicOperatorContainer: { securityContext: restrictedContainerSecurityContext() },
            userOperatorContainer: { securityContext: restrictedContainerSecurityContext() },
          },
          topicOperator: {
            resources: resourceQuantities(
              props.entityOperatorResources,
              KafkaSpecEntityOperatorTopicOperatorResourcesLimits,
              KafkaSpecEntityOperatorTopicOperatorResourcesRequests,
            ),
          },
          userOperator: {
            resources: resourceQuantities(props.entityOperatorResources, KafkaSpecEntityOperatorUserOperatorResourcesLimits, KafkaSpecEntityOperatorUserOperatorResourcesRequests),
          },
        },
      },
    });

    // Strimzi renders this flow too (STRIMZI_NETWORK_POLICY_GENERATION); ours keeps it open when
    // that is switched off, and makes the flow visible next to the default deny.
    new WorkloadNetworkPolicy(this, 'OperatorAccess', {
      name: `${props.name}-strimzi-operator`,
      namespace: props.namespace,
      labels,
      podSelector: strimziPodLabels('Kafka', props.name),
      ingress: [{ peers: [podPeer(props.operator)], ports: [...KAFKA_OPERATOR_PORTS] }],
    });

    // Egress (the namespace denies it by default): nodes reach each other on the control-plane and
    // replication ports, and the API server: Strimzi 1.2.0 writes every listener's certificate and
    // the cluster CA as ${strimzisecrets:...} references (KafkaBrokerConfigurationBuilder), which the
    // broker and controller resolve through the Kubernetes API; the rack init container reads its
    // node's labels there too.
    const nodes = { namespace: props.namespace, podLabels: kafkaNodePodLabels(props.name) };
    new WorkloadNetworkPolicy(this, 'NodeEgress', {
      name: `${props.name}-kafka-egress`,
      namespace: props.namespace,
      labels,
      podSelector: nodes.podLabels,
      dns: props.dns,
      egress: [{ peers: [podPeer(nodes)], ports: [KAFKA_CONTROL_PLANE_PORT, KAFKA_REPLICATION_PORT] }, ...props.kubernetesApi],
    });
    // The topic and user operators watch their resources and talk to Kafka on the replication port.
    new WorkloadNetworkPolicy(this, 'EntityOperatorEgress', {
      name: `${props.name}-entity-operator-egress`,
      namespace: props.namespace,
      labels,
      podSelector: entityOperatorPodLabels(props.name),
      dns: props.dns,
      egress: [{ peers: [podPeer(nodes)], ports: [KAFKA_REPLICATION_PORT] }, ...props.kubernetesApi],
    });

    if (props.metrics) {
      // Kafka Exporter reads offsets on the replication port; Strimzi's own policy admits nothing to
      // its metrics port, and the namespace denies by default: the monitoring namespace may scrape it.
      new WorkloadNetworkPolicy(this, 'KafkaExporterNetwork', {
        name: `${props.name}-kafka-exporter`,
        namespace: props.namespace,
        labels,
        podSelector: kafkaExporterPodLabels(props.name),
        ingress: [{ peers: [podPeer(props.metrics.scrapedFrom)], ports: [STRIMZI_METRICS_PORT] }],
        dns: props.dns,
        egress: [{ peers: [podPeer(nodes)], ports: [KAFKA_REPLICATION_PORT] }],
      });
    }

    const dualRole = props.dedicatedControllers === undefined;
    this.nodePool(
      'Brokers',
      'broker',
      props.brokers,
      dualRole ? [KafkaNodePoolSpecRoles.BROKER, KafkaNodePoolSpecRoles.CONTROLLER] : [KafkaNodePoolSpecRoles.BROKER],
      props,
      poolLabels,
    );
    if (props.dedicatedControllers) {
      this.nodePool('Controllers', 'controller', props.dedicatedControllers, [KafkaNodePoolSpecRoles.CONTROLLER], props, poolLabels);
    }
    applyCallerMetadata(this, props.metadata);
  }

  /** Admits these pods to the client listener (its NetworkPolicy); a grant to an app calls it. Idempotent. */
  allowClient(peer: PodPeer): void {
    const rendered = podPeer(peer);
    if (!this.listenerPeers.some((p) => JSON.stringify(p) === JSON.stringify(rendered))) this.listenerPeers.push(rendered);
  }

  private nodePool(
    id: string,
    name: string,
    size: NodePoolSize,
    roles: KafkaNodePoolSpecRoles[],
    props: WithDefaults<KafkaClusterProps, keyof typeof CLUSTER_DEFAULTS>,
    labels: Record<string, string>,
  ): void {
    const podSelector = { matchLabels: { [STRIMZI_CLUSTER_LABEL]: props.name, 'strimzi.io/pool-name': name } };
    new KafkaNodePool(this, id, {
      metadata: { name, namespace: props.namespace, labels },
      spec: {
        replicas: size.replicas,
        roles,
        // JBOD with one volume now, so volumes can be added later without recreating the pool;
        // the KRaft metadata log shares it. deleteClaim false: deleting the cluster keeps the data.
        storage: {
          type: KafkaNodePoolSpecStorageType.JBOD,
          volumes: [
            {
              id: 0,
              type: KafkaNodePoolSpecStorageVolumesType.PERSISTENT_HYPHEN_CLAIM,
              size: size.storageSize,
              class: props.storageClass,
              deleteClaim: false,
              kraftMetadata: KafkaNodePoolSpecStorageVolumesKraftMetadata.SHARED,
            },
          ],
        },
        resources: resourceQuantities(size.resources, KafkaNodePoolSpecResourcesLimits, KafkaNodePoolSpecResourcesRequests),
        template: {
          pod: {
            securityContext: strimziPodSecurityContext({ writesVolumes: true }),
            // Replicas of a partition on different nodes (and zones, where there are zones).
            topologySpreadConstraints: [
              ...(props.rackTopologyKey ? [{ maxSkew: 1, topologyKey: props.rackTopologyKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: podSelector }] : []),
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: podSelector },
            ],
          },
          // Read-only root: Strimzi mounts /tmp and the data volume, the only paths Kafka writes.
          kafkaContainer: { securityContext: restrictedContainerSecurityContext() },
          // Runs only with rack awareness (reads the node's zone label).
          initContainer: { securityContext: restrictedContainerSecurityContext() },
        },
      },
    });
  }
}

/**
 * Kafka Exporter: consumer group lag for every group and topic (its defaults, `.*`), restricted,
 * with Sarama's verbose client off. Strimzi gives it the cluster CA and its own TLS identity.
 */
function kafkaExporterSpec(resources: Resources) {
  return {
    resources: resourceQuantities(resources, KafkaSpecKafkaExporterResourcesLimits, KafkaSpecKafkaExporterResourcesRequests),
    template: {
      pod: { securityContext: strimziPodSecurityContext({ writesVolumes: false }) },
      container: { securityContext: restrictedContainerSecurityContext() },
    },
  };
}
