import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { apiGroupOf } from './rendered-object';

/**
 * The stages of a rollout. The file names of dist/<env>/ (kubectl) follow this order; the Argo CD
 * sync waves follow the dependencies below.
 */
export const APPLY_STAGES = ['namespaces', 'secrets', 'postgres', 'api', 'kafka', 'topics-users', 'consumers', 'connect', 'connector', 'monitoring'] as const;
export type ApplyStage = (typeof APPLY_STAGES)[number];

/**
 * What each stage really needs to exist (and be healthy) first. Argo CD applies a wave only when
 * every earlier wave is healthy, so a wave must follow exactly these and nothing more.
 */
export const STAGE_DEPENDENCIES: Readonly<Record<ApplyStage, readonly ApplyStage[]>> = {
  namespaces: [],
  secrets: ['namespaces'],
  postgres: ['secrets'],
  // The API reads its password Secret and writes to Postgres; it never touches Kafka.
  api: ['postgres'],
  kafka: ['namespaces'],
  'topics-users': ['kafka'],
  // A consumer reads its topics as its KafkaUser (whose Secret the KafkaAccess copies).
  consumers: ['topics-users'],
  // Connect authenticates as its KafkaUser and reads the Debezium password.
  connect: ['topics-users', 'postgres'],
  connector: ['connect', 'postgres'],
  // PodMonitors, rules and dashboards need only their namespaces (and the Prometheus Operator's CRDs).
  monitoring: ['namespaces'],
};

/**
 * Orderings that are not dependencies but keep one Application's waves from coupling what is
 * independent: the streaming plane never holds back the API, and CDC (Connect and the connector,
 * whose Argo CD health is Degraded while they are not Ready) never holds back any app.
 */
export const STAGE_ORDERING: Readonly<Partial<Record<ApplyStage, readonly ApplyStage[]>>> = {
  kafka: ['api'],
  connect: ['api', 'consumers'],
};

/** Argo CD applies wave by wave and waits for each wave to be healthy before the next. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** Per-object Argo CD sync options (comma-separated). */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
/** `keep`: `helm uninstall` (or disabling a subchart) leaves the object in the cluster. */
export const HELM_RESOURCE_POLICY = 'helm.sh/resource-policy';

/** Kinds that only carry credentials: they go in the `secrets` wave whichever chart declares them. */
const SECRET_KINDS = new Set(['Secret', 'ExternalSecret', 'SecretStore']);

/**
 * Objects whose deletion loses data: Strimzi deletes a topic's data with its KafkaTopic and a
 * cluster with its Kafka; claims hold Postgres; deleting a Namespace deletes everything in it,
 * kept objects included (the real API server showed an uninstall doing it). Neither Argo CD nor
 * Helm ever deletes them: a human does.
 */
const DATA_HOLDING_KINDS = new Set(['Namespace', 'Kafka', 'KafkaNodePool', 'KafkaTopic', 'PersistentVolumeClaim', 'PersistentVolume']);

/** A construct whose objects only deliver credentials (a Secret and what keeps it fresh): they go in the `secrets` wave. */
export interface DeliversCredentials {
  readonly deliversCredentials: true;
}

/** API groups served by every Kubernetes API server; anything else comes from a CRD. */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'node.k8s.io',
  'certificates.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io',
]);

/**
 * Sync waves from a dependency graph: each stage one past the latest stage it must follow. Stages
 * absent from the graph are ignored, so removing one never moves a stage that does not follow it.
 */
export function syncWaves(
  dependencies: Readonly<Partial<Record<ApplyStage, readonly ApplyStage[]>>> = STAGE_DEPENDENCIES,
  ordering: Readonly<Partial<Record<ApplyStage, readonly ApplyStage[]>>> = STAGE_ORDERING,
): Map<ApplyStage, number> {
  const waves = new Map<ApplyStage, number>();
  const waveOf = (stage: ApplyStage, path: readonly ApplyStage[]): number => {
    const known = waves.get(stage);
    if (known !== undefined) return known;
    if (path.includes(stage)) throw new Error(`apply stages depend on each other in a cycle: ${[...path, stage].join(' → ')}`);
    const before = [...(dependencies[stage] ?? []), ...(ordering[stage] ?? [])].filter((s) => s in dependencies);
    const wave = before.length === 0 ? 0 : 1 + Math.max(...before.map((s) => waveOf(s, [...path, stage])));
    waves.set(stage, wave);
    return wave;
  };
  for (const stage of Object.keys(dependencies) as ApplyStage[]) waveOf(stage, []);
  return waves;
}

const WAVES = syncWaves();

export function syncWave(stage: ApplyStage): number {
  return WAVES.get(stage) as number;
}

export function isCustomResource(apiVersion: string): boolean {
  return !BUILT_IN_GROUPS.has(apiGroupOf(apiVersion));
}

/** The stage an object of a chart belongs to: credentials go first, everything else with its chart. */
export function stageOf(object: ApiObject, chartStage: ApplyStage): ApplyStage {
  return SECRET_KINDS.has(object.kind) || object.node.scopes.some(deliversCredentials) ? 'secrets' : chartStage;
}

function deliversCredentials(scope: IConstruct): boolean {
  return (scope as Partial<DeliversCredentials>).deliversCredentials === true;
}

/** Argo CD sync options an object needs, in a fixed order. */
export function syncOptionsFor(apiVersion: string, kind: string): string[] {
  return [
    // The CRDs may arrive with their operators in the same sync; without this the dry run fails.
    ...(isCustomResource(apiVersion) ? ['SkipDryRunOnMissingResource=true'] : []),
    ...(DATA_HOLDING_KINDS.has(kind) ? ['Prune=false', 'Delete=false'] : []),
  ];
}

/**
 * Stamps every object of a chart with its sync wave and sync options, and every object that holds
 * data with Helm's keep policy. They ride along in dist/<env>/ and the Helm templates, where only
 * Argo CD and Helm read them, so all three paths apply the same objects.
 */
export function annotateApplyOrder(chart: Chart, chartStage: ApplyStage): void {
  for (const object of apiObjectsOf(chart)) {
    object.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(syncWave(stageOf(object, chartStage))));
    const options = syncOptionsFor(object.apiVersion, object.kind);
    if (options.length > 0) object.metadata.addAnnotation(SYNC_OPTIONS_ANNOTATION, options.join(','));
    if (DATA_HOLDING_KINDS.has(object.kind)) object.metadata.addAnnotation(HELM_RESOURCE_POLICY, 'keep');
  }
}

/** Every Kubernetes object a chart renders. */
export function apiObjectsOf(chart: Chart): ApiObject[] {
  return chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
}
