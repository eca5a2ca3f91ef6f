import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { shippedFile } from '../k8s/shipped-files';

/** The key Strimzi's metricsConfig reads the rules from. */
export const JMX_RULES_KEY = 'metrics-config.yml';

/** Where a Strimzi `metricsConfig` of type `jmxPrometheusExporter` reads its rules. */
export interface JmxRulesSource {
  readonly valueFrom: { readonly configMapKeyRef: { readonly name: string; readonly key: string } };
}

/**
 * A ConfigMap with JMX exporter rules (a shipped file of src/constructs/kafka/files/), and the
 * reference the resource's metricsConfig takes (type `jmxPrometheusExporter`); Strimzi then attaches
 * the agent on port 9404.
 */
export function jmxMetrics(scope: Construct, props: { name: string; namespace: string; labels: Record<string, string>; rulesFile: string }): JmxRulesSource {
  new k8s.KubeConfigMap(scope, 'MetricsConfig', {
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    data: { [JMX_RULES_KEY]: shippedFile(props.rulesFile) },
  });
  return { valueFrom: { configMapKeyRef: { name: props.name, key: JMX_RULES_KEY } } };
}
