import { App, Chart } from 'cdk8s';
import { Environment } from '../config/types';
import { Platform, platformFor } from '../platforms';
import { ApiChart } from './api';
import { NamespacesChart } from './namespaces';
import { PostgresChart } from './postgres';

/** A chart and the file it is written to; file names sort in `kubectl apply` order. */
export interface OrderedChart {
  readonly file: string;
  readonly chart: Chart;
}

export interface PipelineApp {
  readonly app: App;
  /** The platform the charts were built for. */
  readonly platform: Platform;
  /** Charts in apply order: namespaces first. */
  readonly charts: readonly OrderedChart[];
}

/**
 * Composes the pipeline for one environment. The numeric prefixes leave gaps for the streaming
 * plane (Kafka 20, topics/users 30, Connect 40, connector 50), between the database and the apps.
 */
export function buildPipeline(env: Environment): PipelineApp {
  const app = new App({ outdir: 'unused' });
  const context = { env, platform: platformFor(env.config) };
  const namespaces = new NamespacesChart(app, 'namespaces', context);
  const postgres = new PostgresChart(app, 'postgres', context);
  const api = new ApiChart(app, 'api', { ...context, postgres: postgres.database });
  return {
    app,
    platform: context.platform,
    charts: [
      { file: '00-namespaces.yaml', chart: namespaces },
      { file: '10-postgres.yaml', chart: postgres },
      { file: '60-api.yaml', chart: api },
    ],
  };
}
