import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

export interface PodMonitorProps {
  readonly name: string;
  /** The scraped pods' namespace (the PodMonitor selects pods in its own). */
  readonly namespace: string;
  /** Labels the Prometheus selects PodMonitors by, besides ours. */
  readonly labels: Record<string, string>;
  /** Labels of the scraped pods (all must match). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The container port's name. */
  readonly port: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** Pod labels copied onto every series (e.g. `strimzi.io/cluster`, as `strimzi_io_cluster`), so alerts can tell clusters apart. */
  readonly podTargetLabels?: readonly string[];
}

/** A Prometheus Operator PodMonitor: scrape these pods on this port every 30 s. */
export class PodMonitor extends Construct {
  constructor(scope: Construct, id: string, props: PodMonitorProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        selector: { matchLabels: { ...props.podLabels } },
        ...(props.podTargetLabels ? { podTargetLabels: [...props.podTargetLabels] } : {}),
        podMetricsEndpoints: [{ port: props.port, path: props.path ?? '/metrics', interval: '30s', scrapeTimeout: '10s' }],
      },
    });
  }
}
