import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { commonLabels } from '../constructs/k8s/labels';
import { METRICS_PORT_NAME } from '../constructs/postgres/exporter';
import { GrafanaDashboard } from '../constructs/observability/grafana-dashboard';
import { PodMonitor } from '../constructs/observability/pod-monitor';
import { AlertParameters, PipelineAlerts } from '../constructs/observability/prometheus-rule';
import { connectWorkerPodLabels, kafkaExporterPodLabels, kafkaNodePodLabels, STRIMZI_CLUSTER_LABEL, STRIMZI_METRICS_PORT_NAME } from '../model/strimzi';
import { escapeRegex } from '../model/regex';
import { ChartContext } from './context';

/** Where each alert's runbook is: "Alerts and runbooks" in docs/operations.md (each alert adds its anchor). */
export const RUNBOOK_URL = 'https://github.com/cdc8s/cdc8s/blob/main/docs/operations.md';

/** The dashboards, one per layer (files/dashboards/<layer>.json). */
export const DASHBOARD_LAYERS = ['postgres', 'connect', 'kafka', 'consumers'] as const;

/**
 * What Prometheus and Grafana need to watch the pipeline (observability.enabled): a PodMonitor per
 * component, the pipeline's alerts as a PrometheusRule, and one dashboard per layer. The exporters
 * themselves belong to their components (metricsConfig, Kafka Exporter, postgres_exporter).
 */
export class MonitoringChart extends Chart {
  readonly alerts: PipelineAlerts;
  readonly dashboards: readonly GrafanaDashboard[];

  constructor(scope: Construct, id: string, { env, peers }: ChartContext) {
    super(scope, id);
    const { namespaces, kafka, connect, capture, postgres, consumers, observability } = env.config;
    const labels = { ...commonLabels(), 'app.kubernetes.io/component': 'monitoring', ...observability.prometheusLabels };
    const monitor = (name: string, namespace: string, podLabels: Readonly<Record<string, string>>, port: string, podTargetLabels?: string[]) =>
      new PodMonitor(this, name, { name, namespace, labels, podLabels, port, podTargetLabels });
    const strimzi = [STRIMZI_CLUSTER_LABEL];
    monitor(`${kafka.name}-kafka`, namespaces.streaming, kafkaNodePodLabels(kafka.name), STRIMZI_METRICS_PORT_NAME, strimzi);
    monitor(`${kafka.name}-kafka-exporter`, namespaces.streaming, kafkaExporterPodLabels(kafka.name), STRIMZI_METRICS_PORT_NAME, strimzi);
    monitor(`${connect.name}-connect`, namespaces.streaming, connectWorkerPodLabels(connect.name), STRIMZI_METRICS_PORT_NAME, strimzi);
    monitor('postgres', namespaces.data, peers.postgres.podLabels, METRICS_PORT_NAME);
    if (consumers.length > 0) monitor('consumers', namespaces.apps, peers.consumers.podLabels, 'http');

    const parameters: AlertParameters = {
      DATA_NAMESPACE: namespaces.data,
      STREAMING_NAMESPACE: namespaces.streaming,
      APPS_NAMESPACE: namespaces.apps,
      KAFKA_CLUSTER: kafka.name,
      CONNECTOR: connect.connector.name,
      CONNECTOR_STATE: connect.connector.state,
      TOPIC_PREFIX: capture.topicPrefix,
      SLOT: capture.slot,
      // Each group id as a literal of the PromQL regular expression.
      CONSUMER_GROUPS: consumers.map((c) => escapeRegex(c.groupId ?? c.name)).join('|') || '^$',
      RUNBOOK_URL,
      SLOT_WAL_RETAINED_RATIO: observability.alerts.slotWalRetainedRatio,
      STREAMING_LAG_MS: observability.alerts.streamingLagSeconds * 1000,
      CONSUMER_LAG_RECORDS: observability.alerts.consumerLagRecords,
      BACKUP_MAX_AGE_HOURS: postgres.backup.fullEveryHours + observability.alerts.backupGraceHours,
      BACKUP_MAX_AGE_SECONDS: (postgres.backup.fullEveryHours + observability.alerts.backupGraceHours) * 3600,
      ARCHIVE_BACKLOG_SEGMENTS: observability.alerts.archiveBacklogSegments,
      REBALANCES_PER_15M: observability.alerts.rebalancesPer15m,
    };
    this.alerts = new PipelineAlerts(this, 'Alerts', { name: 'cdc8s-pipeline', namespace: namespaces.streaming, labels, parameters });
    const dashboardParameters = { ...parameters, ENVIRONMENT: env.name };
    this.dashboards = DASHBOARD_LAYERS.map(
      (layer) =>
        new GrafanaDashboard(this, `Dashboard-${layer}`, {
          name: `cdc8s-${env.name}-${layer}`,
          // Ours, like every object here; Grafana's sidecar must search it (docs/operations.md, "Observability").
          namespace: namespaces.streaming,
          labels: { ...commonLabels(), 'app.kubernetes.io/component': 'monitoring' },
          discoveryLabel: observability.grafanaDashboardLabel,
          file: `${layer}.json`,
          parameters: dashboardParameters,
        }),
    );
  }
}
