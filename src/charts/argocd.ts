import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ArgoCdSettings } from '../model/config';
import { ArgoCdApplication, ArgoCdProject, GroupKind, IgnoredDifference, NamedGroupKind } from '../constructs/k8s/argocd';
import { commonLabels } from '../constructs/k8s/labels';
import { ChartContext } from './context';
import { apiGroupOf } from '../model/rendered-object';

export interface ArgoCdChartProps extends ChartContext {
  readonly settings: ArgoCdSettings;
  /** Every object the Application syncs: its kinds become the project's whitelist. */
  readonly objects: readonly ApiObject[];
}

/**
 * The External Secrets Operator writes its defaults into each ExternalSecret's remote references;
 * they are not in our manifests, so without this Argo CD would show them OutOfSync forever.
 */
const EXTERNAL_SECRET_DEFAULTS: IgnoredDifference = {
  group: 'external-secrets.io',
  kind: 'ExternalSecret',
  jqPathExpressions: ['conversionStrategy', 'decodingStrategy', 'metadataPolicy', 'nullBytePolicy'].map((f) => `.spec.data[].remoteRef.${f}`),
};

/**
 * dist/argocd/<env>.yaml: one AppProject and one Application per environment. One Application,
 * not an app-of-apps: its sync waves block on each wave's health (Argo CD has health checks for
 * Kafka, KafkaTopic, KafkaUser, KafkaConnect and KafkaConnector), whereas waves across child
 * Applications only wait if Application health is re-enabled in argocd-cm.
 */
export class ArgoCdChart extends Chart {
  constructor(scope: Construct, id: string, { env, settings, objects }: ArgoCdChartProps) {
    super(scope, id);
    const name = `cdc8s-${env.name}`;
    const { namespaces } = env.config;
    const labels = { ...commonLabels(), 'app.kubernetes.io/instance': env.name };
    const project = new ArgoCdProject(this, 'Project', {
      name,
      namespace: settings.namespace,
      labels,
      description: `cdc8s change-data-capture pipeline, environment ${env.name}`,
      sourceRepo: settings.repoURL,
      destinationServer: settings.destinationServer,
      destinationNamespaces: [namespaces.data, namespaces.streaming, namespaces.apps],
      clusterResources: namedOf(objects.filter((o) => o.metadata.namespace === undefined)),
      namespacedResources: kindsOf(objects.filter((o) => o.metadata.namespace !== undefined)),
    });
    new ArgoCdApplication(this, 'Application', {
      name,
      namespace: settings.namespace,
      labels,
      project,
      repoURL: settings.repoURL,
      targetRevision: settings.targetRevision,
      path: settings.path ?? `dist/${env.name}`,
      destinationServer: settings.destinationServer,
      destinationNamespace: namespaces.streaming,
      automated: settings.automated,
      ignoreDifferences: objects.some((o) => o.kind === EXTERNAL_SECRET_DEFAULTS.kind) ? [EXTERNAL_SECRET_DEFAULTS] : [],
    });
  }
}

/** Each object as group/kind/name, sorted: the project allows exactly these cluster-scoped objects. */
function namedOf(objects: readonly ApiObject[]): NamedGroupKind[] {
  return objects
    .map((o) => ({ group: apiGroupOf(o.apiVersion), kind: o.kind, name: o.name }))
    .sort((a, b) => (`${a.group}/${a.kind}/${a.name}` < `${b.group}/${b.kind}/${b.name}` ? -1 : 1));
}

/** Distinct group/kind pairs, sorted, so the project lists exactly what the Application syncs. */
function kindsOf(objects: readonly ApiObject[]): GroupKind[] {
  const pairs = new Map<string, GroupKind>();
  for (const o of objects) {
    const group = apiGroupOf(o.apiVersion);
    pairs.set(`${group}/${o.kind}`, { group, kind: o.kind });
  }
  return [...pairs.keys()].sort().map((key) => pairs.get(key) as GroupKind);
}
