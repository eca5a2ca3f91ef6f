import { Chart, Testing } from 'cdk8s';
import type { KafkaClusterProps } from '../src/constructs/kafka/cluster';

/** Props and helpers the per-construct tests share: each construct alone in a cdk8s Testing chart. */
export const resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '256Mi' } };
export const dns = [{ ports: [53], protocol: 'UDP' as const }];
export const operator = { namespace: 'strimzi', podLabels: { name: 'strimzi-cluster-operator' } };

/** A KafkaCluster's required props (name, version and metadata version from the schema's defaults). */
export const clusterProps: KafkaClusterProps = {
  namespace: 'streaming',
  brokers: { replicas: 3, storageSize: '10Gi', resources },
  storageClass: 'standard',
  config: { 'min.insync.replicas': 2, 'default.replication.factor': 3 },
  entityOperatorResources: resources,
  clients: [],
  operator,
  kubernetesApi: [{ ports: [443] }],
  dns,
};

/** Runs `make` in a fresh Testing chart; `objects()` synthesizes it. */
export function chartWith<T>(make: (chart: Chart) => T): { made: T; objects: () => any[] } {
  const chart = Testing.chart();
  const made = make(chart);
  return { made, objects: () => Testing.synth(chart) };
}
