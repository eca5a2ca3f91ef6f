import { App, Chart } from 'cdk8s';
import { ResolvedEnvironment } from '../platforms/resolve';
import { ApiChart } from './api';
import { annotateApplyOrder, apiObjectsOf, ApplyStage } from '../model/apply-order';
import { ArgoCdChart } from './argocd';
import { ConnectChart } from './connect';
import { ConnectorChart } from './connector';
import { ConsumersChart } from './consumers';
import { ChartContext } from './context';
import { KafkaChart } from './kafka';
import { TopicsUsersChart } from './topics-users';
import { pipelinePeers } from './network-peers';
import { MonitoringChart } from './monitoring';
import { NamespacesChart } from './namespaces';
import { PlatformGuardChart } from './platform-guard';
import { PostgresChart } from './postgres';

/**
 * The deployable units: one Helm subchart each, so a user can leave one out
 * (`--set kafka.enabled=false` when Kafka is managed elsewhere).
 */
export const COMPONENTS = ['namespaces', 'postgres', 'kafka', 'connect', 'api', 'consumers', 'monitoring'] as const;
export type Component = (typeof COMPONENTS)[number];

/** A chart, the file it is written to (file names sort in `kubectl apply` order), its stage and unit. */
export interface OrderedChart {
  readonly file: string;
  readonly chart: Chart;
  /** Its objects' Argo CD sync wave (credentials go earlier: see apply-order.ts). */
  readonly stage: ApplyStage;
  readonly component: Component;
}

export interface PipelineApp {
  readonly app: App;
  readonly context: ChartContext;
  /** Charts in apply order: namespaces first. */
  readonly charts: readonly OrderedChart[];
  /** The Argo CD AppProject and Application, when the environment configures Argo CD. */
  readonly argocd?: Chart;
  /** What the platform team applies once, never from Git: the admission policy guarding our cluster-scoped objects. */
  readonly platformGuard: Chart;
  /** Every topic and KafkaUser (30-topics-users.yaml). */
  readonly topics: TopicsUsersChart;
  /** The consumers (70-consumers.yaml): addConsumer() adds one beside the environment file's. */
  readonly consumers: ConsumersChart;
}

/**
 * Composes the pipeline for one environment. File order is apply order (docs/architecture.md, "Apply order"):
 * each file only refers to what earlier files create, or to what an operator creates from them.
 */
export function buildPipeline(env: ResolvedEnvironment, app = new App({ outdir: 'unused' })): PipelineApp {
  const { config, platform } = env;
  const context: ChartContext = { env, platform, durability: env.durability, peers: pipelinePeers(env, platform) };
  const namespaces = new NamespacesChart(app, 'namespaces', context);
  const postgres = new PostgresChart(app, 'postgres', context);
  const kafka = new KafkaChart(app, 'kafka', context);
  const access = new TopicsUsersChart(app, 'kafka-access', { ...context, cluster: kafka.cluster });
  const connect = new ConnectChart(app, 'connect', { ...context, cluster: kafka.cluster, user: access.connectUser, debeziumSecret: postgres.debeziumSecret });
  const connector = new ConnectorChart(app, 'connector', { ...context, connect: connect.connect, postgres: postgres.database, debeziumSecret: postgres.debeziumSecret });
  const api = new ApiChart(app, 'api', { ...context, postgres: postgres.database });
  const consumers = new ConsumersChart(app, 'consumers', { ...context, cluster: kafka.cluster, access });
  const monitoring = config.observability.enabled ? new MonitoringChart(app, 'monitoring', context) : undefined;
  const charts: OrderedChart[] = [
    { file: '00-namespaces.yaml', chart: namespaces, stage: 'namespaces', component: 'namespaces' },
    { file: '10-postgres.yaml', chart: postgres, stage: 'postgres', component: 'postgres' },
    { file: '20-kafka.yaml', chart: kafka, stage: 'kafka', component: 'kafka' },
    { file: '30-topics-users.yaml', chart: access, stage: 'topics-users', component: 'kafka' },
    { file: '40-connect.yaml', chart: connect, stage: 'connect', component: 'connect' },
    { file: '50-connector.yaml', chart: connector, stage: 'connector', component: 'connect' },
    { file: '60-api.yaml', chart: api, stage: 'api', component: 'api' },
    { file: '70-consumers.yaml', chart: consumers, stage: 'consumers', component: 'consumers' },
    ...(monitoring ? [{ file: '80-monitoring.yaml', chart: monitoring, stage: 'monitoring', component: 'monitoring' } as const] : []),
  ];
  for (const { chart, stage } of charts) annotateApplyOrder(chart, stage);
  const objects = charts.flatMap(({ chart }) => apiObjectsOf(chart));
  const argocd = config.argocd ? new ArgoCdChart(app, 'argocd', { ...context, settings: config.argocd, objects }) : undefined;
  const platformGuard = new PlatformGuardChart(app, 'platform', { ...context, objects: objects.filter((o) => o.kind === 'Namespace' || o.kind === 'PersistentVolume') });
  return { app, context, charts, argocd, platformGuard, topics: access, consumers };
}
