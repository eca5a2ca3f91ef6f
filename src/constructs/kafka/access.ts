import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KafkaCluster } from './cluster';
import { KafkaUser } from './user';
import { RequiredSecret } from '../k8s/required-secret';
import { applyCallerMetadata, CallerMetadata } from '../k8s/caller-metadata';

/** apiVersion of the Kafka Access Operator's resource (CRD of kafka-access-operator 0.3.0). */
export const KAFKA_ACCESS_API = 'access.strimzi.io/v1alpha1';

/**
 * Keys of the Secret the Kafka Access Operator writes for a SCRAM-SHA-512 user on a TLS listener
 * (SecretDependentResource, KafkaUserData and KafkaListener in strimzi/kafka-access-operator):
 * the cluster CA as PEM, the user's credentials and the connection settings.
 */
export const KAFKA_ACCESS_SECRET_KEYS = ['bootstrap.servers', 'security.protocol', 'sasl.mechanism', 'ssl.truststore.crt', 'username', 'password', 'sasl.jaas.config'] as const;

export interface KafkaAccessProps {
  /** Labels and annotations added to every object it renders (its own win). */
  readonly metadata?: CallerMetadata;
  /** Name of the KafkaAccess and of the Secret the operator writes. */
  readonly name: string;
  /** Namespace of the application that reads the Secret. */
  readonly namespace: string;
  readonly cluster: KafkaCluster;
  readonly user: KafkaUser;
  readonly labels: Record<string, string>;
}

/**
 * A Strimzi `KafkaAccess`: the Kafka Access Operator writes, in the application's namespace, a
 * Secret with the cluster CA and the KafkaUser's credentials, and rewrites it whenever Strimzi
 * renews the CA or the user's password changes. Nothing is copied by hand.
 */
export class KafkaAccess extends Construct {
  /** The Secret the operator writes (never rendered by cdc8s). */
  readonly secret: RequiredSecret;

  constructor(scope: Construct, id: string, props: KafkaAccessProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: KAFKA_ACCESS_API,
      kind: 'KafkaAccess',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        kafka: { name: props.cluster.name, namespace: props.cluster.namespace, listener: props.cluster.listenerName },
        user: { kind: 'KafkaUser', apiGroup: 'kafka.strimzi.io', name: props.user.userName, namespace: props.user.secret.namespace },
      },
    });
    this.secret = new RequiredSecret(this, 'Secret', {
      name: props.name,
      namespace: props.namespace,
      keys: KAFKA_ACCESS_SECRET_KEYS,
      purpose: `cluster CA and SCRAM credentials of KafkaUser ${props.user.userName}`,
      writtenBy: `the Kafka Access Operator, from KafkaAccess ${props.namespace}/${props.name}`,
    });
    applyCallerMetadata(this, props.metadata);
  }
}
