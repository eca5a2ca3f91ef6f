import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { fillPlaceholders } from './placeholders';

export interface GrafanaDashboardProps {
  /** Name of the ConfigMap, and of the dashboard's file in it. */
  readonly name: string;
  /** Where Grafana's dashboard sidecar looks (the monitoring namespace). */
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** The label the sidecar discovers dashboards by; its value is "1". */
  readonly discoveryLabel: string;
  /** A file of files/dashboards/ (Grafana's JSON model), and its placeholders' values. */
  readonly file: string;
  readonly parameters: Readonly<Record<string, string | number>>;
}

/** A Grafana dashboard as a ConfigMap the dashboard sidecar (kube-prometheus-stack's, Grafana's chart) loads. */
export class GrafanaDashboard extends Construct {
  /** The dashboard's JSON model, as rendered. */
  readonly model: { readonly panels: readonly { readonly title: string; readonly targets: readonly { readonly expr: string }[] }[] };

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    const json = fillPlaceholders(`constructs/observability/files/dashboards/${props.file}`, props.parameters, { allUsed: false });
    this.model = JSON.parse(json);
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels, [props.discoveryLabel]: '1' } },
      data: { [`${props.name}.json`]: json },
    });
  }
}
