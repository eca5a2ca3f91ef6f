import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { imageReference } from '../constructs/k8s/image';
import { KafkaCluster } from '../constructs/kafka/cluster';
import { Environment } from '../model/config';
import { KafkaConnectImage, strimziKafkaImage } from '../constructs/kafka/connect-image';
import { debeziumPostgresPluginUrl, pluginSha512For } from '../model/debezium-plugin';
import { CONNECT_INTERNAL_PARTITIONS, ConnectImageSource, KafkaConnect, operatorBuildTag } from '../constructs/kafka/connect';
import { commonLabels } from '../constructs/k8s/labels';
import { Platform } from '../platforms';
import { KafkaUser } from '../constructs/kafka/user';
import { RequiredSecret } from '../constructs/k8s/required-secret';
import { podPeer } from '../constructs/k8s/network-policy';
import { POSTGRES_PORT } from '../constructs/postgres/image';
import { PostgresTrust } from '../constructs/postgres/tls';
import { SecretReadGrant } from '../constructs/k8s/secret-read-grant';
import { CONNECT_CONFIG_PROVIDER_LIMITS } from '../policy/connect-providers';
import { CONSUMER_DURABILITY, Durability, PRODUCER_DURABILITY } from '../model/durability';
import { eventSizeSettings } from '../model/event-size';
import { ChartContext } from './context';

export interface ConnectChartProps extends ChartContext {
  readonly cluster: KafkaCluster;
  readonly user: KafkaUser;
  /** The Debezium role's password Secret, which the workers read through `strimzisecrets`. */
  readonly debeziumSecret: RequiredSecret;
}

/** How long a dead worker's tasks wait before moving to a live worker: a crash stops capture for this long. */
export const CONNECT_LOST_TASK_DELAY_MS = 30_000;

/** Worker settings cdc8s always states (overrides are merged over them and checked by the policy). */
export function connectWorkerConfig(durability: Durability): Record<string, string | number | boolean> {
  return {
    'config.storage.replication.factor': durability.replicationFactor,
    'offset.storage.replication.factor': durability.replicationFactor,
    'status.storage.replication.factor': durability.replicationFactor,
    'offset.storage.partitions': CONNECT_INTERNAL_PARTITIONS.offset,
    'status.storage.partitions': CONNECT_INTERNAL_PARTITIONS.status,
    // Source tasks write records and their offsets in one transaction (KIP-618).
    'exactly.once.source.support': 'enabled',
    'producer.acks': PRODUCER_DURABILITY.acks,
    'producer.enable.idempotence': PRODUCER_DURABILITY['enable.idempotence'],
    // Connect's own consumers (internal topics, sink tasks) never read aborted transactions.
    'consumer.isolation.level': CONSUMER_DURABILITY['isolation.level'],
    // No connector may override the producer settings above (acks, idempotence) in its own config.
    'connector.client.config.override.policy': 'None',
    // No connector may resolve environment variables or files beyond what Strimzi itself reads.
    ...CONNECT_CONFIG_PROVIDER_LIMITS,
    // When a worker dies, Connect holds its tasks for this long waiting for it to return (KIP-415;
    // Kafka's default is 5 minutes). A restarted pod joins as a new member, so capture stopped for
    // the full 5 minutes in the e2e worker-kill scenario while the slot's WAL grew.
    'scheduled.rebalance.max.delay.ms': CONNECT_LOST_TASK_DELAY_MS,
  };
}

/**
 * Kafka Connect with the Debezium plugin, and the one RBAC grant its config provider needs: `get`
 * on the Debezium password Secret in the data namespace (Strimzi's own Role covers only its own
 * Secrets).
 */
export class ConnectChart extends Chart {
  readonly connect: KafkaConnect;

  constructor(scope: Construct, id: string, { env, platform, durability, cluster, user, debeziumSecret, peers }: ConnectChartProps) {
    super(scope, id);
    const { connect, kafka, namespaces } = env.config;
    this.connect = new KafkaConnect(this, 'Connect', {
      name: connect.name,
      namespace: namespaces.streaming,
      cluster,
      user,
      version: kafka.version,
      replicas: connect.replicas,
      resources: connect.resources,
      operator: peers.strimziOperator,
      image: this.imageSource(env, platform),
      config: { ...connectWorkerConfig(durability), ...eventSizeSettings(env.config.capture.maxEventBytes).connectWorker, ...connect.config },
      egress: [{ peers: [podPeer(peers.postgres)], ports: [POSTGRES_PORT] }, ...platform.kubernetesApiEgress()],
      dns: peers.dns,
      metrics: env.config.observability.enabled,
      databaseTrust: new PostgresTrust(this, 'PostgresTrust', {
        environment: env.name,
        namespace: namespaces.streaming,
        role: env.config.postgres.users.debezium,
        labels: commonLabels(),
      }).volume('postgres-tls'),
    });
    new SecretReadGrant(this, 'DebeziumSecretReader', {
      name: `${connect.name}-read-${debeziumSecret.secretName}`,
      secret: debeziumSecret,
      serviceAccount: { name: this.connect.serviceAccountName, namespace: this.connect.namespace },
    });
  }

  /**
   * connect.image set: the workers run it, and the build context for it is rendered beside the
   * manifests. Otherwise Strimzi builds the image and pushes it with the platform's push Secret.
   */
  private imageSource({ name, config }: Environment, platform: Platform): ConnectImageSource {
    const { connect, kafka, images, namespaces } = config;
    // The config loader refuses a version with no pinned checksum.
    const pluginSha512 = pluginSha512For(connect.debeziumVersion, connect.pluginSha512) as string;
    if (connect.image) {
      const image = new KafkaConnectImage(this, 'Image', {
        environment: name,
        kafkaVersion: kafka.version,
        debeziumVersion: connect.debeziumVersion,
        pluginSha512,
        repository: connect.image.repository,
        imageRef: imageReference(connect.image),
      });
      return { type: 'prebuilt', image: image.imageRef };
    }
    const registry = connect.build.registry ?? images.registry;
    const tag = operatorBuildTag(kafka.version, connect.debeziumVersion, [strimziKafkaImage(kafka.version), debeziumPostgresPluginUrl(connect.debeziumVersion), pluginSha512]);
    const pushSecret =
      connect.build.pushSecret ??
      platform.registryPushSecret(this, {
        name: `${connect.name}-registry-push`,
        namespace: namespaces.streaming,
        registry,
        labels: { ...commonLabels(), 'app.kubernetes.io/component': 'kafka-connect-build' },
      });
    return {
      type: 'operator-build',
      outputImage: imageReference({ registry, repository: connect.build.repository, tag }),
      pushSecret,
      debeziumVersion: connect.debeziumVersion,
      pluginSha512,
      resources: connect.build.resources,
    };
  }
}
