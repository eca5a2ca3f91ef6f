import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { KafkaCluster } from '../constructs/kafka/cluster';
import { eventSizeSettings } from '../model/event-size';
import { brokerDurabilityConfig } from '../model/durability';
import { ChartContext } from './context';

/** The Kafka cluster: a Kafka resource and its KRaft node pools, on the platform's storage. */
export class KafkaChart extends Chart {
  readonly cluster: KafkaCluster;

  constructor(scope: Construct, id: string, { env, platform, durability, peers }: ChartContext) {
    super(scope, id);
    const { kafka, namespaces } = env.config;
    const { brokers, controllers } = kafka;
    this.cluster = new KafkaCluster(this, 'Kafka', {
      name: kafka.name,
      namespace: namespaces.streaming,
      version: kafka.version,
      metadataVersion: kafka.metadataVersion,
      brokers: { replicas: brokers.replicas, storageSize: brokers.storage.size, resources: brokers.resources },
      dedicatedControllers:
        controllers.mode === 'dedicated' ? { replicas: controllers.replicas, storageSize: controllers.storage.size, resources: controllers.resources } : undefined,
      storageClass: platform.kafkaStorageClass(),
      rackTopologyKey: platform.rackTopologyKey(),
      // Overrides last: the durability policy rejects any that weakens the defaults.
      config: { ...brokerDurabilityConfig(durability), ...eventSizeSettings(env.config.capture.maxEventBytes).broker, ...kafka.config },
      entityOperatorResources: kafka.entityOperator.resources,
      // Connect produces; the consumer apps consume. Nothing else reaches the listener.
      clients: [peers.connect, peers.consumers],
      operator: peers.strimziOperator,
      kubernetesApi: platform.kubernetesApiEgress(),
      dns: peers.dns,
      ...(peers.monitoring ? { metrics: { kafkaExporterResources: env.config.observability.kafkaExporter.resources, scrapedFrom: peers.monitoring } } : {}),
    });
  }
}
