import { App, Chart } from 'cdk8s';
import { Environment } from '../config/types';
import { platformFor } from '../platforms';
import { durabilityFor } from '../policy/durability';
import { ApiChart } from './api';
import { ConnectChart } from './connect';
import { ConnectorChart } from './connector';
import { ConsumersChart } from './consumers';
import { ChartContext } from './context';
import { KafkaChart } from './kafka';
import { KafkaAccessChart } from './kafka-access';
import { NamespacesChart } from './namespaces';
import { PostgresChart } from './postgres';

/** A chart and the file it is written to; file names sort in `kubectl apply` order. */
export interface OrderedChart {
  readonly file: string;
  readonly chart: Chart;
}

export interface PipelineApp {
  readonly app: App;
  readonly context: ChartContext;
  /** Charts in apply order: namespaces first. */
  readonly charts: readonly OrderedChart[];
}

/**
 * Composes the pipeline for one environment. File order is apply order (README, "Apply order"):
 * each file only refers to what earlier files create, or to what an operator creates from them.
 */
export function buildPipeline(env: Environment): PipelineApp {
  const app = new App({ outdir: 'unused' });
  const { config } = env;
  const context: ChartContext = {
    env,
    platform: platformFor(config),
    durability: durabilityFor(config.kafka.durability, config.kafka.brokers.replicas),
  };
  const namespaces = new NamespacesChart(app, 'namespaces', context);
  const postgres = new PostgresChart(app, 'postgres', context);
  const kafka = new KafkaChart(app, 'kafka', context);
  const access = new KafkaAccessChart(app, 'kafka-access', { ...context, cluster: kafka.cluster });
  const connect = new ConnectChart(app, 'connect', { ...context, cluster: kafka.cluster, user: access.connectUser, debeziumSecret: postgres.debeziumSecret });
  const connector = new ConnectorChart(app, 'connector', { ...context, connect: connect.connect, postgres: postgres.database, debeziumSecret: postgres.debeziumSecret });
  const api = new ApiChart(app, 'api', { ...context, postgres: postgres.database });
  const consumers = new ConsumersChart(app, 'consumers', { ...context, cluster: kafka.cluster, access });
  return {
    app,
    context,
    charts: [
      { file: '00-namespaces.yaml', chart: namespaces },
      { file: '10-postgres.yaml', chart: postgres },
      { file: '20-kafka.yaml', chart: kafka },
      { file: '30-topics-users.yaml', chart: access },
      { file: '40-connect.yaml', chart: connect },
      { file: '50-connector.yaml', chart: connector },
      { file: '60-api.yaml', chart: api },
      { file: '70-consumers.yaml', chart: consumers },
    ],
  };
}
