import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { commonLabels } from '../constructs/k8s/labels';
import { DefaultDeny } from '../constructs/k8s/network-policy';
import { ChartContext } from './context';

/**
 * Namespaces and the other cluster-scoped prerequisites (the platform's StorageClass).
 * Deliberately a chart without a `namespace`: cdk8s would stamp it on cluster-scoped objects too.
 */
export class NamespacesChart extends Chart {
  constructor(scope: Construct, id: string, { env, platform }: ChartContext) {
    super(scope, id);
    const { namespaces } = env.config;
    // Every pod meets `restricted`, except Strimzi's Kafka Connect build pod (Buildah runs as
    // root): while Strimzi builds the image, the streaming namespace enforces `baseline` and warns
    // and audits against `restricted`, so anything else that drifts is visible. With a prebuilt
    // image (connect.image) no build pod runs and it enforces `restricted` like the others.
    namespace(this, namespaces.data, 'data', 'restricted');
    namespace(this, namespaces.streaming, 'streaming', env.config.connect.image ? 'restricted' : 'baseline');
    namespace(this, namespaces.apps, 'apps', 'restricted');
    // Nothing reaches a pod unless a policy next to it admits the flow (docs/security.md).
    for (const [plane, name] of Object.entries(namespaces)) new DefaultDeny(this, `${plane}-deny`, name);
    // Nor leaves the streaming namespace: a connector can make Connect send what it reads
    // anywhere, so each Strimzi pod there gets exactly its destinations (kafka.ts, connect.ts).
    new DefaultDeny(this, 'streaming-deny-egress', namespaces.streaming, 'Egress');
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
