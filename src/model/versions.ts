/** The upstream releases whose CRDs, Secrets and behaviour the rendered objects are written for. */

/** The Kafka Access Operator release whose CRD and Secret format cdc8s targets. */
export const KAFKA_ACCESS_OPERATOR_VERSION = '0.3.0';

/** The cert-manager release whose CRDs the output is validated against. */
export const CERT_MANAGER_VERSION = '1.21.1';

/** The External Secrets Operator release whose CRDs and generators the objects are written for. */
export const EXTERNAL_SECRETS_VERSION = '2.9.0';

/** The Prometheus Operator release whose CRDs (PodMonitor, PrometheusRule) the output is validated against. */
export const PROMETHEUS_OPERATOR_VERSION = '0.93.0';

/**
 * The Prometheus Operator's install bundle (CRDs, RBAC, Deployment; namespace `default`) at the
 * release above, for `npm run prerequisites`: upstream's `kubectl create -f bundle.yaml`, pinned by
 * commit and sha256 like the CRDs validation reads (src/validate/upstream.ts).
 */
export const PROMETHEUS_OPERATOR_BUNDLE = {
  path: `install/prometheus-operator-${PROMETHEUS_OPERATOR_VERSION}/bundle.yaml`,
  url: 'https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/f8fafd475f3d132e239432ae6172de60a6cb6516/bundle.yaml',
  sha256: 'a3061ceebd87de793d1ba9bed10cb763be9ce748adb53b5c5ef4c7c65ee38376',
} as const;
