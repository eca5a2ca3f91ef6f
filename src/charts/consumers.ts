import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { validateConfig } from '../config/load';
import { KafkaCluster } from '../constructs/kafka/cluster';
import { CONSUMER_COMPONENT, KafkaConsumerApp } from '../constructs/kafka/consumer';
import { KafkaAccess } from '../constructs/kafka/access';
import { JMX_RULES_KEY } from '../constructs/kafka/jmx-metrics';
import { shippedFile } from '../constructs/k8s/shipped-files';
import { commonLabels, selectorLabels, workloadLabels } from '../constructs/k8s/labels';
import { podPeer, WorkloadNetworkPolicy } from '../constructs/k8s/network-policy';
import { annotateApplyOrder } from '../model/apply-order';
import { ConsumerSettings } from '../model/config';
import { TLS_LISTENER_PORT } from '../model/strimzi';
import { eventSizeSettings } from '../model/event-size';
import { CONSUMER_DURABILITY } from '../model/durability';
import { appWorkload } from './app-workload';
import { ChartContext } from './context';
import { TopicsUsersChart } from './topics-users';

export interface ConsumersChartProps extends ChartContext {
  readonly cluster: KafkaCluster;
  readonly access: TopicsUsersChart;
}

/**
 * A consumer as a program adds it: what the environment file's `consumers[]` entry holds, with the
 * same defaults (replicas, port, runAsUser, probes, config: environment.schema.json) left out.
 */
/** The JMX exporter rules for Java consumers' Kafka clients (observability on). */
export const CONSUMER_METRICS_CONFIG_MAP = 'kafka-consumer-metrics';

export type ConsumerInput = Pick<ConsumerSettings, 'name' | 'image' | 'tables' | 'resources'> & Partial<ConsumerSettings>;

/**
 * The consumer applications in the apps namespace. Strimzi writes KafkaUser and CA Secrets only
 * next to the Kafka cluster, so each consumer gets a KafkaAccess: the Kafka Access Operator keeps a
 * Secret with both in this namespace, current through CA renewals and password changes.
 */
export class ConsumersChart extends Chart {
  private readonly props: ConsumersChartProps;
  private network?: WorkloadNetworkPolicy;
  private metricsRules?: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: ConsumersChartProps) {
    super(scope, id);
    this.props = props;
    for (const consumer of props.env.config.consumers) this.add(consumer);
  }

  /**
   * Adds a consumer beside the environment file's: checked by the same schema and rules, with the
   * same defaults; it gets its KafkaUser (read on its tables' topics, its group), a KafkaAccess, the
   * consumers' NetworkPolicy and its workload. Throws ConfigError naming the field, as a bad file would.
   */
  addConsumer(input: ConsumerInput): KafkaConsumerApp {
    const { env } = this.props;
    const config = validateConfig(env.file, structuredClone({ ...env.config, consumers: [...env.config.consumers, input] }));
    const app = this.add(config.consumers[config.consumers.length - 1]);
    // The new objects get their Argo CD sync wave as the file's did (an Argo CD Application built before lists none of them).
    annotateApplyOrder(this.props.access, 'topics-users');
    annotateApplyOrder(this, 'consumers');
    return app;
  }

  private add(consumer: ConsumerSettings): KafkaConsumerApp {
    const { env, cluster, access, peers } = this.props;
    const namespace = env.config.namespaces.apps;
    // Consumers serve only their probes (the kubelet is not subject to policies) and talk only to the brokers.
    this.network ??= new WorkloadNetworkPolicy(this, 'Network', {
      name: 'consumers',
      namespace,
      labels: { ...commonLabels(), 'app.kubernetes.io/component': CONSUMER_COMPONENT },
      podSelector: peers.consumers.podLabels,
      ingress: [],
      dns: peers.dns,
      egress: [{ peers: [podPeer(peers.kafkaBrokers)], ports: [TLS_LISTENER_PORT] }],
    });
    const kafkaAccess = new KafkaAccess(this, `${consumer.name}-Access`, {
      name: `${consumer.name}-kafka`,
      namespace,
      cluster,
      user: access.consumerUser(consumer),
      labels: workloadLabels({ name: consumer.name, component: CONSUMER_COMPONENT, instance: env.name }),
    });
    if (peers.monitoring) {
      // For Java consumers: the JMX exporter's rules for the Kafka client (docs/operations.md, "Observability").
      this.metricsRules ??= new k8s.KubeConfigMap(this, 'ConsumerMetrics', {
        metadata: { name: CONSUMER_METRICS_CONFIG_MAP, namespace, labels: { ...commonLabels(), 'app.kubernetes.io/component': CONSUMER_COMPONENT } },
        data: { [JMX_RULES_KEY]: shippedFile('constructs/kafka/files/consumer-metrics.yaml') },
      });
      // Prometheus scrapes the consumer's /metrics on its HTTP port (docs/operations.md, "Observability").
      new WorkloadNetworkPolicy(this, `${consumer.name}-Metrics`, {
        name: `${consumer.name}-metrics`,
        namespace,
        labels: workloadLabels({ name: consumer.name, component: CONSUMER_COMPONENT, instance: env.name }),
        podSelector: selectorLabels({ name: consumer.name, component: CONSUMER_COMPONENT, instance: env.name }),
        ingress: [{ peers: [podPeer(peers.monitoring)], ports: [consumer.port] }],
      });
    }
    return new KafkaConsumerApp(this, consumer.name, {
      ...appWorkload(consumer, namespace, env.name),
      bootstrapServers: cluster.bootstrapServers,
      groupId: consumer.groupId ?? consumer.name,
      topics: access.consumerTopics(consumer.tables),
      access: kafkaAccess.secret,
      // Offsets are committed by the app after processing; a new group starts from the beginning.
      clientConfig: { ...CONSUMER_DURABILITY, 'auto.offset.reset': 'earliest', ...eventSizeSettings(env.config.capture.maxEventBytes).consumer, ...consumer.config },
    });
  }
}
