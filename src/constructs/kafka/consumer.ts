import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { withConfigDefaults } from '../../model/config-defaults';
import { KafkaConfigMap } from '../../model/config';
import { selectorLabels, workloadLabels } from '../k8s/labels';
import { PodPeer } from '../k8s/network-policy';
import { KafkaAccess } from './access';
import { KafkaCluster } from './cluster';
import { KafkaReader } from './topic';
import { KafkaUser } from './user';
import { RequiredSecret } from '../k8s/required-secret';
import { Workload, WORKLOAD_DEFAULTS, WorkloadProps } from '../k8s/workload';
import { CLIENT_PROPERTIES_KEY, KAFKA_CLIENT_CONFIG_LABEL, toProperties } from '../../model/client-properties';
import { applyCallerMetadata, CallerMetadata } from '../k8s/caller-metadata';

/** app.kubernetes.io/component of every consumer's objects (their NetworkPolicy selects on it). */
export const CONSUMER_COMPONENT = 'consumer';

const MOUNTS = { config: '/etc/kafka/client', access: '/etc/kafka/access' } as const;

/** The workload settings of a consumer (its component, env and mounts are the construct's own). */
type ConsumerWorkloadProps = Omit<WorkloadProps, 'component' | 'env' | 'mounts' | 'podAnnotations'>;

export interface KafkaConsumerAppProps extends ConsumerWorkloadProps {
  /** Labels and annotations added to every object it renders (its own win). */
  readonly metadata?: CallerMetadata;
  /**
   * The cluster and the KafkaUser it reads as: the app makes its own KafkaAccess (the Secret it
   * mounts) and becomes a KafkaReader, so `topic.grantRead(app)` gives it the topic, its group and
   * the listener. Without it, `access` and `bootstrapServers` are needed.
   */
  readonly kafka?: { readonly cluster: KafkaCluster; readonly user: KafkaUser };
  /**
   * The TLS listener, `host:port`.
   * @default the cluster's bootstrap address (`kafka.cluster`)
   */
  readonly bootstrapServers?: string;
  /** Consumer group; its KafkaUser may read only this group. */
  readonly groupId: string;
  /** Topics it subscribes to. */
  readonly topics: readonly string[];
  /**
   * The Kafka Access Operator's Secret in this namespace: the cluster CA (`ssl.truststore.crt`) and its user's `sasl.jaas.config`.
   * @default the Secret of a KafkaAccess `<name>-kafka` the app makes for `kafka.user`
   */
  readonly access?: RequiredSecret;
  /** Client config: the durability settings plus overrides (checked by the policy). */
  readonly clientConfig: KafkaConfigMap;
}

/**
 * A Kafka consumer application: its client configuration in a ConfigMap (a standard Kafka
 * properties file the app loads from `KAFKA_CLIENT_CONFIG`), its access Secret (SCRAM credentials
 * and the cluster CA, kept current by the Kafka Access Operator) mounted as files, and the workload. The password never appears in the config: the
 * properties file reads `sasl.jaas.config` from the mounted Secret through Kafka's
 * DirectoryConfigProvider.
 */
export class KafkaConsumerApp extends Construct implements KafkaReader {
  /** The client properties as rendered. */
  readonly properties: Readonly<Record<string, string | number | boolean>>;
  /** The KafkaUser it reads as (`kafka.user`), which grants extend. */
  readonly kafkaUser?: KafkaUser;
  readonly groupId: string;
  /** Its pods, as network policies select them. */
  readonly podPeer: PodPeer;

  constructor(scope: Construct, id: string, props: KafkaConsumerAppProps) {
    super(scope, id);
    const configName = `${props.name}-kafka-client`;
    const { kafka } = props;
    if (!kafka && (!props.access || !props.bootstrapServers))
      throw new Error(`consumer ${props.name}: give kafka (its cluster and KafkaUser), or both bootstrapServers and access`);
    const access = props.access ?? this.ownAccess(props.name, props.namespace, props.instance, kafka!);
    const bootstrapServers = props.bootstrapServers ?? kafka!.cluster.bootstrapServers;
    this.kafkaUser = props.kafka?.user;
    this.groupId = props.groupId;
    this.podPeer = { namespace: props.namespace, podLabels: selectorLabels({ name: props.name, component: CONSUMER_COMPONENT, instance: props.instance }) };
    this.properties = {
      'bootstrap.servers': bootstrapServers,
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': `${MOUNTS.access}/${access.keyRef('ssl.truststore.crt').key}`,
      'config.providers': 'dir',
      'config.providers.dir.class': 'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
      'config.providers.dir.param.allowed.paths': MOUNTS.access,
      'sasl.jaas.config': `\${dir:${MOUNTS.access}:${access.keyRef('sasl.jaas.config').key}}`,
      'group.id': props.groupId,
      ...props.clientConfig,
    };
    const fileContent = toProperties(this.properties);
    const topicList = props.topics.join(',');

    new k8s.KubeConfigMap(this, 'ClientConfig', {
      metadata: {
        name: configName,
        namespace: props.namespace,
        labels: { ...workloadLabels({ name: props.name, component: CONSUMER_COMPONENT, instance: props.instance }), [KAFKA_CLIENT_CONFIG_LABEL]: 'consumer' },
      },
      data: { [CLIENT_PROPERTIES_KEY]: fileContent, topics: topicList },
    });

    new Workload(this, 'Workload', {
      ...props,
      component: CONSUMER_COMPONENT,
      env: [
        { name: 'KAFKA_CLIENT_CONFIG', value: `${MOUNTS.config}/${CLIENT_PROPERTIES_KEY}` },
        { name: 'KAFKA_TOPICS', valueFrom: { configMapKeyRef: { name: configName, key: 'topics' } } },
        { name: 'PORT', value: String(withConfigDefaults(props, WORKLOAD_DEFAULTS).port) },
      ],
      mounts: [
        { volume: { name: 'client-config', configMap: { name: configName, defaultMode: 0o444 } }, mountPath: MOUNTS.config },
        { volume: access.volume('kafka-access'), mountPath: MOUNTS.access },
      ],
      // ConfigMap changes do not restart pods by themselves: roll them when anything the app reads
      // from it at start changes (its client config, its topics).
      podAnnotations: { 'cdc8s.io/client-config-sha256': createHash('sha256').update(fileContent).update('\0').update(topicList).digest('hex').slice(0, 16) },
    });
    applyCallerMetadata(this, props.metadata);
  }

  /** The KafkaAccess for `kafka.user` in the app's namespace; its Secret is what the app mounts. */
  private ownAccess(name: string, namespace: string, instance: string, kafka: NonNullable<KafkaConsumerAppProps['kafka']>): RequiredSecret {
    return new KafkaAccess(this, 'Access', {
      name: `${name}-kafka`,
      namespace,
      cluster: kafka.cluster,
      user: kafka.user,
      labels: workloadLabels({ name, component: CONSUMER_COMPONENT, instance }),
    }).secret;
  }
}
