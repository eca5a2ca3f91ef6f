import { ApiObject, Chart } from 'cdk8s';

/**
 * The stages of a rollout, in order. The file names of dist/<env>/ (kubectl), the sync waves
 * (Argo CD) and the README's apply order all follow this one list.
 */
export const APPLY_STAGES = ['namespaces', 'secrets', 'postgres', 'kafka', 'topics-users', 'connect', 'connector', 'apps'] as const;
export type ApplyStage = (typeof APPLY_STAGES)[number];

/** Argo CD applies wave by wave and waits for each wave to be healthy before the next. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** Per-object Argo CD sync options (comma-separated). */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/** Kinds that only carry credentials: they go in the `secrets` wave whichever chart declares them. */
const SECRET_KINDS = new Set(['Secret', 'ExternalSecret', 'SecretStore']);

/**
 * Objects whose deletion loses data: Strimzi deletes a topic's data with its KafkaTopic and a
 * cluster with its Kafka; claims hold Postgres. Argo CD never prunes or deletes them: a human does.
 */
const DATA_HOLDING_KINDS = new Set(['Kafka', 'KafkaNodePool', 'KafkaTopic', 'PersistentVolumeClaim', 'PersistentVolume']);

/** API groups served by every Kubernetes API server; anything else comes from a CRD. */
const BUILT_IN_GROUPS = new Set([
  '', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'certificates.k8s.io',
  'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'flowcontrol.apiserver.k8s.io', 'resource.k8s.io',
]);

export function syncWave(stage: ApplyStage): number {
  return APPLY_STAGES.indexOf(stage);
}

/** The API group of an apiVersion (`kafka.strimzi.io/v1` → `kafka.strimzi.io`, `v1` → ``). */
export function apiGroupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

export function isCustomResource(apiVersion: string): boolean {
  return !BUILT_IN_GROUPS.has(apiGroupOf(apiVersion));
}

/** The stage an object of a chart belongs to: credentials go first, everything else with its chart. */
export function stageOf(kind: string, chartStage: ApplyStage): ApplyStage {
  return SECRET_KINDS.has(kind) ? 'secrets' : chartStage;
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
 * Stamps every object of a chart with its sync wave and sync options. They ride along in
 * dist/<env>/ and the Helm templates, where only Argo CD reads them, so all three paths apply
 * the same objects.
 */
export function annotateApplyOrder(chart: Chart, chartStage: ApplyStage): void {
  for (const object of apiObjectsOf(chart)) {
    object.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(syncWave(stageOf(object.kind, chartStage))));
    const options = syncOptionsFor(object.apiVersion, object.kind);
    if (options.length > 0) object.metadata.addAnnotation(SYNC_OPTIONS_ANNOTATION, options.join(','));
  }
}

/** Every Kubernetes object a chart renders. */
export function apiObjectsOf(chart: Chart): ApiObject[] {
  return chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
}
