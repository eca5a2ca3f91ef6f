import { Construct } from 'constructs';
import { KafkaTopic as KafkaTopicResource } from '../../../imports/kafka.strimzi.io';
import { KafkaCluster } from './cluster';
import { KafkaUser, Operation, ResourceType } from './user';
import { commonLabels } from '../k8s/labels';
import { STRIMZI_CLUSTER_LABEL, topicResourceName } from '../../model/strimzi';
import { applyCallerMetadata, CallerMetadata } from '../k8s/caller-metadata';

export interface KafkaTopicProps {
  /** Labels and annotations added to every object it renders (its own win). */
  readonly metadata?: CallerMetadata;
  /** The cluster the topic operator creates it in (its namespace is the one the operator watches). */
  readonly cluster: KafkaCluster;
  /** The Kafka topic name, exactly as clients use it. */
  readonly topicName: string;
  /** Partition count; it can grow later, never shrink. */
  readonly partitions: number;
  /** Replication factor (the durability policy requires at least 3 unless reduced). */
  readonly replicas: number;
  /** Topic config; `min.insync.replicas` always included by the caller. */
  readonly config: Record<string, string | number | boolean>;
  /** What writes it, for humans (`app.kubernetes.io/component`). */
  readonly component: string;
}

/** A KafkaTopic; `spec.topicName` carries the real name where it is not a valid resource name. */
export class KafkaTopic extends Construct {
  /** The Kafka topic name. */
  readonly topicName: string;

  constructor(scope: Construct, id: string, props: KafkaTopicProps) {
    super(scope, id);
    this.topicName = props.topicName;
    const resourceName = topicResourceName(props.topicName);
    new KafkaTopicResource(this, 'Resource', {
      metadata: {
        name: resourceName,
        namespace: props.cluster.namespace,
        labels: { ...commonLabels(), 'app.kubernetes.io/component': props.component, [STRIMZI_CLUSTER_LABEL]: props.cluster.name },
      },
      spec: {
        ...(resourceName !== props.topicName ? { topicName: props.topicName } : {}),
        partitions: props.partitions,
        replicas: props.replicas,
        config: props.config,
      },
    });
    applyCallerMetadata(this, props.metadata);
  }

  /**
   * Lets `user` read and describe this topic (its group needs KafkaUser.allowGroup too). The user's
   * Secret reaches an app through a KafkaAccess, and its pods reach the brokers through the
   * consumers' NetworkPolicy: ConsumersChart.addConsumer does all of it for a consumer.
   */
  grantRead(user: KafkaUser): void {
    user.allow({ type: ResourceType.TOPIC, name: this.topicName, operations: [Operation.READ, Operation.DESCRIBE] });
  }
}
