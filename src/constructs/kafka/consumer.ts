import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KafkaConfigMap } from '../../model/config';
import { workloadLabels } from '../k8s/labels';
import { RequiredSecret } from '../k8s/required-secret';
import { Workload, WorkloadProps } from '../k8s/workload';
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
  /** The TLS listener, `host:port`. */
  readonly bootstrapServers: string;
  /** Consumer group; its KafkaUser may read only this group. */
  readonly groupId: string;
  /** Topics it subscribes to. */
  readonly topics: readonly string[];
  /** The Kafka Access Operator's Secret in this namespace: the cluster CA (`ssl.truststore.crt`) and its user's `sasl.jaas.config`. */
  readonly access: RequiredSecret;
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
export class KafkaConsumerApp extends Construct {
  /** The client properties as rendered. */
  readonly properties: Readonly<Record<string, string | number | boolean>>;

  constructor(scope: Construct, id: string, props: KafkaConsumerAppProps) {
    super(scope, id);
    const configName = `${props.name}-kafka-client`;
    this.properties = {
      'bootstrap.servers': props.bootstrapServers,
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': `${MOUNTS.access}/${props.access.keyRef('ssl.truststore.crt').key}`,
      'config.providers': 'dir',
      'config.providers.dir.class': 'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
      'config.providers.dir.param.allowed.paths': MOUNTS.access,
      'sasl.jaas.config': `\${dir:${MOUNTS.access}:${props.access.keyRef('sasl.jaas.config').key}}`,
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

    const { bootstrapServers, groupId, topics, access, clientConfig, ...workload } = props;
    new Workload(this, 'Workload', {
      ...workload,
      component: CONSUMER_COMPONENT,
      env: [
        { name: 'KAFKA_CLIENT_CONFIG', value: `${MOUNTS.config}/${CLIENT_PROPERTIES_KEY}` },
        { name: 'KAFKA_TOPICS', valueFrom: { configMapKeyRef: { name: configName, key: 'topics' } } },
        { name: 'PORT', value: String(props.port) },
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
}
