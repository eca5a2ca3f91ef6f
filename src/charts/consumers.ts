import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { KafkaCluster } from '../constructs/kafka/cluster';
import { CONSUMER_COMPONENT, KafkaConsumerApp } from '../constructs/kafka/consumer';
import { KafkaAccess } from '../constructs/kafka/access';
import { commonLabels, workloadLabels } from '../constructs/k8s/labels';
import { podPeer, WorkloadNetworkPolicy } from '../constructs/k8s/network-policy';
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
 * The consumer applications in the apps namespace. Strimzi writes KafkaUser and CA Secrets only
 * next to the Kafka cluster, so each consumer gets a KafkaAccess: the Kafka Access Operator keeps a
 * Secret with both in this namespace, current through CA renewals and password changes.
 */
export class ConsumersChart extends Chart {
  constructor(scope: Construct, id: string, { env, cluster, access, peers }: ConsumersChartProps) {
    super(scope, id);
    const { consumers, namespaces } = env.config;
    const namespace = namespaces.apps;
    if (consumers.length === 0) return;
    // Consumers serve only their probes (the kubelet is not subject to policies) and talk only to the brokers.
    new WorkloadNetworkPolicy(this, 'Network', {
      name: 'consumers',
      namespace,
      labels: { ...commonLabels(), 'app.kubernetes.io/component': CONSUMER_COMPONENT },
      podSelector: peers.consumers.podLabels,
      ingress: [],
      dns: peers.dns,
      egress: [{ peers: [podPeer(peers.kafkaBrokers)], ports: [TLS_LISTENER_PORT] }],
    });
    for (const consumer of consumers) {
      const user = access.consumerUsers.get(consumer.name);
      if (!user) throw new Error(`consumer ${consumer.name} has no KafkaUser`);
      const kafkaAccess = new KafkaAccess(this, `${consumer.name}-Access`, {
        name: `${consumer.name}-kafka`,
        namespace,
        cluster,
        user,
        labels: workloadLabels({ name: consumer.name, component: CONSUMER_COMPONENT, instance: env.name }),
      });
      new KafkaConsumerApp(this, consumer.name, {
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
}
