import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { commonLabels } from '../constructs/labels';
import { DefaultDenyIngress } from '../constructs/network-policy';
import { ChartContext } from './context';

/**
 * Namespaces and the other cluster-scoped prerequisites (the platform's StorageClass).
 * Deliberately a chart without a `namespace`: cdk8s would stamp it on cluster-scoped objects too.
 */
export class NamespacesChart extends Chart {
  constructor(scope: Construct, id: string, { env, platform }: ChartContext) {
    super(scope, id);
    const { namespaces } = env.config;
    // Our own pods (Postgres, API, consumers) meet `restricted`. The streaming namespace enforces
    // `baseline` only: Strimzi's Kafka Connect build runs Kaniko, which needs root; it warns and
    // audits against `restricted` so anything else that drifts is visible.
    namespace(this, namespaces.data, 'data', 'restricted');
    namespace(this, namespaces.streaming, 'streaming', 'baseline');
    namespace(this, namespaces.apps, 'apps', 'restricted');
    // Nothing reaches a pod unless a policy next to it admits the flow (README, "Network").
    for (const [plane, name] of Object.entries(namespaces)) new DefaultDenyIngress(this, `${plane}-deny`, name);
    platform.addClusterResources(this);
  }
}

function namespace(scope: Construct, name: string, plane: string, enforce: 'restricted' | 'baseline'): void {
  new k8s.KubeNamespace(scope, plane, {
    metadata: {
      name,
      labels: {
        ...commonLabels(),
        'cdc8s.io/plane': plane,
        'pod-security.kubernetes.io/enforce': enforce,
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'latest',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': 'latest',
      },
    },
  });
}
