import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { shippedFile } from '../k8s/shipped-files';

/** The Strimzi resources kube-state-metrics reports (files/kube-state-metrics.yaml). */
const STRIMZI_RESOURCES = ['kafkas', 'kafkanodepools', 'kafkaconnects', 'kafkaconnectors', 'kafkatopics', 'kafkausers'];

export interface StrimziStateMetricsProps {
  /** The name of the ConfigMap, ClusterRole and ClusterRoleBinding. */
  readonly name: string;
  /** kube-state-metrics' namespace and ServiceAccount. */
  readonly kubeStateMetrics: { readonly namespace: string; readonly serviceAccount: string };
  readonly labels: Record<string, string>;
}

/**
 * What the cluster's kube-state-metrics needs to report the Ready state of the pipeline's Strimzi
 * resources (Strimzi 1.2.0 dropped its own resource-state metrics): its custom-resource-state
 * configuration as a ConfigMap in its namespace (mounted for `--custom-resource-state-config-file`),
 * and read access to those resources, granted to its ServiceAccount. Platform-owned.
 */
export class StrimziStateMetrics extends Construct {
  /** The ConfigMap's key: the file kube-state-metrics reads. */
  static readonly CONFIG_KEY = 'custom-resource-state.yaml';

  constructor(scope: Construct, id: string, props: StrimziStateMetricsProps) {
    super(scope, id);
    const { namespace, serviceAccount } = props.kubeStateMetrics;
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: props.name, namespace, labels: props.labels },
      data: { [StrimziStateMetrics.CONFIG_KEY]: shippedFile('constructs/observability/files/kube-state-metrics.yaml') },
    });
    new k8s.KubeClusterRole(this, 'Role', {
      metadata: { name: props.name, labels: props.labels },
      rules: [
        { apiGroups: ['kafka.strimzi.io'], resources: STRIMZI_RESOURCES, verbs: ['list', 'watch'] },
        // kube-state-metrics finds the resources' kinds through the CRDs (its custom-resource discovery):
        // without this it reports nothing, as the e2e showed ("cannot list customresourcedefinitions").
        { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['list', 'watch'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'Binding', {
      metadata: { name: props.name, labels: props.labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: props.name },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    });
  }
}
