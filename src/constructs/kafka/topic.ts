import { Construct } from 'constructs';
import { KafkaTopic as KafkaTopicResource } from '../../../imports/kafka.strimzi.io';
import { KafkaCluster } from './cluster';
import { KafkaUser, Operation, ResourceType } from './user';
import { commonLabels } from '../k8s/labels';
import { PodPeer } from '../k8s/network-policy';
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

/** An application that reads topics: its KafkaUser, its consumer group and its pods. */
export interface KafkaReader {
  /** Undefined for an app built without its KafkaUser (KafkaConsumerApp without `kafka`): nothing to grant to. */
  readonly kafkaUser?: KafkaUser;
  readonly groupId: string;
  readonly podPeer: PodPeer;
}

/** A KafkaTopic; `spec.topicName` carries the real name where it is not a valid resource name. */
export class KafkaTopic extends Construct {
  /** The Kafka topic name. */
  readonly topicName: string;
  /** The cluster it lives in. */
  readonly cluster: KafkaCluster;

  constructor(scope: Construct, id: string, props: KafkaTopicProps) {
    super(scope, id);
    this.topicName = props.topicName;
    this.cluster = props.cluster;
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
   * Lets a reader read and describe this topic. A KafkaUser gets the ACLs alone. An app
   * (KafkaConsumerApp built with `kafka`) gets them on its KafkaUser, Read on its consumer group, and
   * its pods admitted to the cluster's client listener; its KafkaAccess already brings it the
   * credentials and the CA. Granting twice adds nothing.
   */
  grantRead(reader: KafkaUser | KafkaReader): void {
    const user = reader instanceof KafkaUser ? reader : reader.kafkaUser;
    if (!user) throw new Error(`topic ${this.topicName}: the reader has no KafkaUser to grant to (build the app with kafka: { cluster, user })`);
    user.allow({ type: ResourceType.TOPIC, name: this.topicName, operations: [Operation.READ, Operation.DESCRIBE] });
    if (reader instanceof KafkaUser) return;
    user.allowGroup(reader.groupId);
    this.cluster.allowClient(reader.podPeer);
  }
}
