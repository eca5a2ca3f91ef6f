/**
 * cdc8s as a library: the constructs and the pipeline, for a cdk8s app of your own. The CLI
 * (`npm run synth`) is one user of exactly this; examples/custom-consumer/ is another.
 */

// The whole pipeline from an environment config, and its charts.
export { buildPipeline, COMPONENTS } from './charts';
export type { Component, OrderedChart, PipelineApp } from './charts';
export { ConsumersChart } from './charts/consumers';
export type { ConsumerInput } from './charts/consumers';
export { TopicsUsersChart } from './charts/topics-users';
export { resolveConfig, resolveEnvironment } from './platforms/resolve';
export type { ResolvedEnvironment } from './platforms/resolve';
export { renderEnvironment } from './output/render';
export type { RenderedEnvironment } from './output/render';
export { ConfigError } from './config/errors';
export { PolicyError, POLICY_RULES } from './policy';

// PostgreSQL with logical decoding, its image, backups, TLS and reconcile.
export { Postgres } from './constructs/postgres/postgres';
export type { PostgresProps } from './constructs/postgres/postgres';
export { PostgresDebeziumImage } from './constructs/postgres/image';
export { PostgresBackup } from './constructs/postgres/backup';
export { PostgresCertificateAuthority, PostgresServerCertificate, PostgresTrust } from './constructs/postgres/tls';

// Strimzi Kafka, Connect and Debezium.
export { KafkaCluster } from './constructs/kafka/cluster';
export type { KafkaClusterProps } from './constructs/kafka/cluster';
export { KafkaTopic } from './constructs/kafka/topic';
export type { KafkaTopicProps } from './constructs/kafka/topic';
export { KafkaUser, Operation, PatternType, ResourceType } from './constructs/kafka/user';
export type { AclRule, KafkaUserProps } from './constructs/kafka/user';
export { KafkaAccess } from './constructs/kafka/access';
export type { KafkaAccessProps } from './constructs/kafka/access';
export { KafkaConnect } from './constructs/kafka/connect';
export type { KafkaConnectProps } from './constructs/kafka/connect';
export { KafkaConnectImage } from './constructs/kafka/connect-image';
export { DebeziumPostgresConnector } from './constructs/kafka/debezium-connector';
export type { DebeziumPostgresConnectorProps } from './constructs/kafka/debezium-connector';
export { KafkaConsumerApp } from './constructs/kafka/consumer';
export type { KafkaConsumerAppProps } from './constructs/kafka/consumer';

// Kubernetes building blocks.
export { WebService } from './constructs/k8s/web-service';
export type { WebServiceProps } from './constructs/k8s/web-service';
export { Workload } from './constructs/k8s/workload';
export type { WorkloadProps } from './constructs/k8s/workload';
export { DefaultDeny, WorkloadNetworkPolicy } from './constructs/k8s/network-policy';
export type { WorkloadNetworkPolicyProps } from './constructs/k8s/network-policy';
export { RequiredSecret } from './constructs/k8s/required-secret';
export type { CallerMetadata } from './constructs/k8s/caller-metadata';

// The shared vocabulary.
export type { ConsumerSettings, EnvironmentConfig, ImageRef } from './model/config';
export type { RenderedObject } from './model/rendered-object';
export { CONSUMER_DURABILITY, FULL_DURABILITY, PRODUCER_DURABILITY } from './model/durability';
