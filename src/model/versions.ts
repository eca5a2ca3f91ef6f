/** The upstream releases whose CRDs, Secrets and behaviour the rendered objects are written for. */

/** The Kafka Access Operator release whose CRD and Secret format cdc8s targets. */
export const KAFKA_ACCESS_OPERATOR_VERSION = '0.3.0';

/** The cert-manager release whose CRDs the output is validated against. */
export const CERT_MANAGER_VERSION = '1.21.1';

/** The External Secrets Operator release whose CRDs and generators the objects are written for. */
export const EXTERNAL_SECRETS_VERSION = '2.9.0';

/** The Prometheus Operator release whose CRDs (PodMonitor, PrometheusRule) the output is validated against. */
export const PROMETHEUS_OPERATOR_VERSION = '0.93.0';
