import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { fillPlaceholders } from './placeholders';

/** What the alerts file's `${NAME}` placeholders stand for in one environment. */
export interface AlertParameters {
  readonly DATA_NAMESPACE: string;
  readonly STREAMING_NAMESPACE: string;
  readonly APPS_NAMESPACE: string;
  readonly KAFKA_CLUSTER: string;
  readonly CONNECTOR: string;
  /** The state the KafkaConnector asks for (running, paused, stopped). */
  readonly CONNECTOR_STATE: string;
  /** Debezium's topic.prefix (its metrics' `server`). */
  readonly TOPIC_PREFIX: string;
  readonly SLOT: string;
  /** A regular expression matching every consumer group. */
  readonly CONSUMER_GROUPS: string;
  /** docs/operations.md's URL; each alert adds its section's anchor. */
  readonly RUNBOOK_URL: string;
  readonly SLOT_WAL_RETAINED_RATIO: number;
  readonly STREAMING_LAG_MS: number;
  readonly CONSUMER_LAG_RECORDS: number;
  readonly BACKUP_MAX_AGE_HOURS: number;
  readonly BACKUP_MAX_AGE_SECONDS: number;
  readonly ARCHIVE_BACKLOG_SEGMENTS: number;
  readonly REBALANCES_PER_15M: number;
}

export interface PipelineAlertsProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels the Prometheus selects rules by, besides ours. */
  readonly labels: Record<string, string>;
  readonly parameters: AlertParameters;
}

/** One rule group of a PrometheusRule, as Prometheus reads it. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly {
    readonly alert?: string;
    readonly record?: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  }[];
}

/**
 * The pipeline's alerts (files/alerts.yaml) as a PrometheusRule for the Prometheus Operator, with
 * the environment's names and thresholds in place of the file's `${NAME}` placeholders. A
 * placeholder without a value, or a value no placeholder uses, is an error: the file and the
 * parameters cannot drift apart.
 */
export class PipelineAlerts extends Construct {
  readonly groups: readonly RuleGroup[];

  constructor(scope: Construct, id: string, props: PipelineAlertsProps) {
    super(scope, id);
    this.groups = alertGroups(props.parameters);
    new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: { groups: this.groups },
    });
  }
}

/** files/alerts.yaml with the placeholders replaced. */
export function alertGroups(parameters: AlertParameters): RuleGroup[] {
  const text = fillPlaceholders('constructs/observability/files/alerts.yaml', parameters as unknown as Record<string, string | number>, { allUsed: true });
  return (parse(text) as { groups: RuleGroup[] }).groups;
}
