import { createHash } from 'node:crypto';

/**
 * Names and conventions the Strimzi 1.2 operators derive from resource names. Everything that
 * refers to an operator-generated object (a Service, a Secret, a ServiceAccount) goes through here.
 */

/** The Strimzi release whose API (`kafka.strimzi.io/v1`) and conventions cdc8s targets. */
export const STRIMZI_VERSION = '1.2.0';

/**
 * Kafka versions the Strimzi 1.2.0 operator supports, with the newest KRaft metadata version each
 * can run (`kafka-versions.yaml` at the tag: entries with `supported: true`).
 */
export const STRIMZI_KAFKA_VERSIONS: Readonly<Record<string, string>> = {
  '4.2.0': '4.2-IV1',
  '4.3.0': '4.3-IV0',
  '4.3.1': '4.3-IV0',
};

/** The label that binds KafkaNodePool/KafkaTopic/KafkaUser to a Kafka, and KafkaConnector to a KafkaConnect. */
export const STRIMZI_CLUSTER_LABEL = 'strimzi.io/cluster';

/** Port of the internal TLS listener (SCRAM-SHA-512 over TLS). */
export const TLS_LISTENER_PORT = 9093;

/** Bootstrap Service of a Kafka cluster, as clients in any namespace address it. */
export function bootstrapAddress(cluster: string, namespace: string, port: number): string {
  return `${cluster}-kafka-bootstrap.${namespace}.svc:${port}`;
}

/** Secret (in the Kafka namespace) holding the cluster CA certificate: `ca.crt`. */
export function clusterCaCertSecret(cluster: string): string {
  return `${cluster}-cluster-ca-cert`;
}

/** ServiceAccount Strimzi creates for Kafka Connect pods. */
export function connectServiceAccount(connect: string): string {
  return `${connect}-connect`;
}

/**
 * Keys of the Secret the user operator writes for a SCRAM-SHA-512 KafkaUser (named like the user):
 * the generated password and a ready `sasl.jaas.config` line.
 */
export const SCRAM_USER_SECRET_KEYS = ['password', 'sasl.jaas.config'] as const;

/**
 * A Kubernetes resource name for a Kafka topic. Topic names may hold `_` and upper case, which
 * resource names may not: such topics get a sanitized name plus a short hash (so two topics never
 * map to one resource) and keep their real name in spec.topicName.
 */
export function topicResourceName(topic: string): string {
  if (/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(topic) && topic.length <= 253) return topic;
  const base = topic
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 200);
  const hash = createHash('sha256').update(topic).digest('hex').slice(0, 8);
  return base ? `${base}-${hash}` : `topic-${hash}`;
}

/** Strimzi's internal Kafka ports: KRaft control plane, replication (also the operators' admin clients), Kafka agent. */
export const KAFKA_CONTROL_PLANE_PORT = 9090;
export const KAFKA_REPLICATION_PORT = 9091;
export const KAFKA_AGENT_PORT = 8443;
/** Ports Strimzi's operator reaches on Kafka pods. */
export const KAFKA_OPERATOR_PORTS = [KAFKA_CONTROL_PLANE_PORT, KAFKA_REPLICATION_PORT, KAFKA_AGENT_PORT] as const;
/** Kafka Connect's REST API, which the operator uses to manage connectors. */
export const CONNECT_REST_PORT = 8083;

/** Labels Strimzi puts on the cluster operator's pods (install files and Helm chart alike). */
export const STRIMZI_OPERATOR_POD_LABELS: Readonly<Record<string, string>> = { 'strimzi.io/kind': 'cluster-operator' };

/** Labels Strimzi puts on the pods it runs for a resource (`strimzi.io/cluster`, `strimzi.io/kind`). */
export function strimziPodLabels(kind: 'Kafka' | 'KafkaConnect', name: string): Record<string, string> {
  return { [STRIMZI_CLUSTER_LABEL]: name, 'strimzi.io/kind': kind };
}

/**
 * Labels of the Kafka Connect worker pods only: `strimzi.io/name` tells them from the image build
 * pod, which carries the same cluster and kind.
 */
export function connectWorkerPodLabels(connect: string): Record<string, string> {
  return { ...strimziPodLabels('KafkaConnect', connect), 'strimzi.io/name': `${connect}-connect` };
}

/** Labels of the image build pod Strimzi runs for a KafkaConnect (Buildah; `<name>-connect-build`). */
export function connectBuildPodLabels(connect: string): Record<string, string> {
  return { ...strimziPodLabels('KafkaConnect', connect), 'strimzi.io/name': `${connect}-connect-build` };
}

/** Labels of every node pod of a Kafka cluster, brokers and controllers (`<name>-kafka`). */
export function kafkaNodePodLabels(cluster: string): Record<string, string> {
  return { ...strimziPodLabels('Kafka', cluster), 'strimzi.io/name': `${cluster}-kafka` };
}

/** Labels of the entity operator's pod (topic and user operators; `<name>-entity-operator`). */
export function entityOperatorPodLabels(cluster: string): Record<string, string> {
  return { ...strimziPodLabels('Kafka', cluster), 'strimzi.io/name': `${cluster}-entity-operator` };
}

/** Labels of the broker pods of a KRaft Kafka cluster (clients' connections land on these). */
export function brokerPodLabels(cluster: string): Record<string, string> {
  return { ...strimziPodLabels('Kafka', cluster), 'strimzi.io/broker-role': 'true' };
}

/**
 * Where Strimzi's pods serve Prometheus metrics (MetricsModel: `tcp-prometheus`, 9404): the JMX
 * exporter agent on Kafka and Connect pods, and Kafka Exporter.
 */
export const STRIMZI_METRICS_PORT = 9404;
export const STRIMZI_METRICS_PORT_NAME = 'tcp-prometheus';

/**
 * The JMX exporter Strimzi 1.2.0's Kafka images attach (docker-images/kafka-based/kafka/Dockerfile,
 * JMX_EXPORTER_VERSION): the rule engine our metricsConfig rules are written for, and the one the
 * e2e runs (e2e/java/pom.xml, jmx-exporter.version).
 */
export const STRIMZI_JMX_EXPORTER_VERSION = '1.6.0';

/** Labels of Kafka Exporter's pod (`<name>-kafka-exporter`). */
export function kafkaExporterPodLabels(cluster: string): Record<string, string> {
  return { ...strimziPodLabels('Kafka', cluster), 'strimzi.io/name': `${cluster}-kafka-exporter` };
}
