import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KafkaConfigMap } from '../config/types';
import { workloadLabels } from './labels';
import { RequiredSecret } from './required-secret';
import { Workload, WorkloadProps } from './workload';

/** Label on the ConfigMap that holds a consumer's Kafka client config (the durability policy finds it by this). */
export const KAFKA_CLIENT_CONFIG_LABEL = 'cdc8s.io/kafka-client-config';
/** app.kubernetes.io/component of every consumer's objects (their NetworkPolicy selects on it). */
export const CONSUMER_COMPONENT = 'consumer';
/** Key of the properties file in that ConfigMap. */
export const CLIENT_PROPERTIES_KEY = 'client.properties';

const MOUNTS = { config: '/etc/kafka/client', credentials: '/etc/kafka/credentials', clusterCa: '/etc/kafka/cluster-ca' } as const;

/** The workload settings of a consumer (its component, env and mounts are the construct's own). */
type ConsumerWorkloadProps = Omit<WorkloadProps, 'component' | 'env' | 'mounts' | 'podAnnotations'>;

export interface KafkaConsumerAppProps extends ConsumerWorkloadProps {
  /** The TLS listener, `host:port`. */
  readonly bootstrapServers: string;
  /** Consumer group; its KafkaUser may read only this group. */
  readonly groupId: string;
  /** Topics it subscribes to. */
  readonly topics: readonly string[];
  /** Its KafkaUser's Secret (keys `password`, `sasl.jaas.config`) in this namespace. */
  readonly credentials: RequiredSecret;
  /** The cluster CA certificate Secret (key `ca.crt`) in this namespace. */
  readonly clusterCa: RequiredSecret;
  /** Client config: the durability settings plus overrides (checked by the policy). */
  readonly clientConfig: KafkaConfigMap;
}

/**
 * A Kafka consumer application: its client configuration in a ConfigMap (a standard Kafka
 * properties file the app loads from `KAFKA_CLIENT_CONFIG`), SCRAM credentials and the cluster CA
 * mounted as files, and the workload itself. The password never appears in the config: the
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
      'ssl.truststore.location': `${MOUNTS.clusterCa}/ca.crt`,
      'config.providers': 'dir',
      'config.providers.dir.class': 'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
      'config.providers.dir.param.allowed.paths': MOUNTS.credentials,
      'sasl.jaas.config': `\${dir:${MOUNTS.credentials}:sasl.jaas.config}`,
      'group.id': props.groupId,
      ...props.clientConfig,
    };
    const fileContent = toProperties(this.properties);

    new k8s.KubeConfigMap(this, 'ClientConfig', {
      metadata: {
        name: configName,
        namespace: props.namespace,
        labels: { ...workloadLabels({ name: props.name, component: CONSUMER_COMPONENT, instance: props.instance }), [KAFKA_CLIENT_CONFIG_LABEL]: 'consumer' },
      },
      data: { [CLIENT_PROPERTIES_KEY]: fileContent, topics: props.topics.join(',') },
    });

    const { bootstrapServers, groupId, topics, credentials, clusterCa, clientConfig, ...workload } = props;
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
        { volume: props.credentials.volume('credentials'), mountPath: MOUNTS.credentials },
        { volume: props.clusterCa.volume('cluster-ca'), mountPath: MOUNTS.clusterCa },
      ],
      // ConfigMap changes do not restart pods by themselves: roll them when the config changes.
      podAnnotations: { 'cdc8s.io/client-config-sha256': createHash('sha256').update(fileContent).digest('hex').slice(0, 16) },
    });
  }
}

/** A Java properties file: one `key=value` per line, with the characters the format treats specially escaped. */
export function toProperties(entries: Readonly<Record<string, string | number | boolean>>): string {
  const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return Object.entries(entries).map(([k, v]) => `${escape(k)}=${escape(String(v))}`).join('\n') + '\n';
}

/** Reads back what toProperties wrote (the policy checks rendered ConfigMaps with it). */
export function parseProperties(content: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of content.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    result[unescape(line.slice(0, at).trim())] = unescape(line.slice(at + 1));
  }
  return result;
}
