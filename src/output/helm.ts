import { stringify } from 'yaml';
import { HELM_RESOURCE_POLICY } from '../model/apply-order';
import { Component, COMPONENTS } from '../charts';
import { Environment } from '../model/config';
import { STRIMZI_VERSION } from '../model/strimzi';
import { prerequisites, shellCommand, strimziRelease } from './prerequisites';
import { RenderedObject } from '../model/rendered-object';

/** One rendered manifest file: what `kubectl apply` reads and a Helm template repeats. */
export interface RenderedManifest {
  /** File name in dist/<env>/, e.g. `20-kafka.yaml`. */
  readonly file: string;
  readonly component: Component;
  readonly objects: readonly RenderedObject[];
  /** The file's text (header and YAML documents), rendered once for dist/<env>/ and the chart's template. */
  readonly text: string;
}

export interface HelmChartInput {
  readonly env: Environment;
  readonly manifests: readonly RenderedManifest[];
  /** Chart version: the cdc8s version (package.json), so a chart changes version with the generator. */
  readonly version: string;
  /** Images the user builds before installing (the Debezium-ready Postgres, the Connect image). */
  readonly images: readonly { readonly ref: string; readonly contextDir: string }[];
  /** What enforces NetworkPolicies on the target platform. */
  readonly networkPolicyEnforcement: string;
}

/** Kubernetes versions we render for; Helm refuses to install elsewhere. */
export const SUPPORTED_KUBERNETES = '>=1.30.0-0 <1.36.0-0';

/** What each subchart holds and when to turn it off: the comments of values.yaml. */
const COMPONENT_DOCS: Record<Component, { readonly holds: string; readonly disable: string }> = {
  namespaces: { holds: 'the namespaces (Pod Security labels) and cluster-scoped prerequisites', disable: 'your platform creates the namespaces' },
  postgres: {
    holds: 'PostgreSQL with logical decoding, its storage, network policy and Secret sources',
    disable: 'the database runs elsewhere (it still needs the publication, slot and role of dist/images/)',
  },
  kafka: { holds: 'the Kafka cluster (KRaft node pools) and its topics, users and ACLs', disable: 'the Kafka cluster is managed elsewhere' },
  connect: { holds: 'Kafka Connect with the Debezium plugin and the Postgres connector', disable: 'change data capture runs elsewhere' },
  api: { holds: 'the transactions API and its exposure', disable: 'the API is deployed by its own pipeline' },
  consumers: { holds: 'the Kafka consumer applications', disable: 'the consumers are deployed by their own pipelines' },
  monitoring: {
    holds: 'PodMonitors, the alerts (PrometheusRule) and Grafana dashboards (needs the Prometheus Operator CRDs)',
    disable: 'the cluster has no Prometheus Operator',
  },
};

/**
 * Writes the umbrella chart `cdc8s-<env>`: one subchart per component under charts/, each with
 * `condition: <component>.enabled`, templates that are exactly the rendered manifests, a values
 * schema that rejects unknown or mistyped values, and NOTES.txt. Paths are relative to the chart.
 * Our own writer: `cdk8s synth --format helm` names the chart after the folder and wipes it.
 */
export function helmChartFiles(input: HelmChartInput): Map<string, string> {
  const { env, manifests, version } = input;
  const present = COMPONENTS.filter((c) => manifests.some((m) => m.component === c));
  const files = new Map<string, string>();
  files.set('Chart.yaml', yaml(umbrellaChart(input, present)));
  files.set('values.yaml', valuesFile(env, manifests, present));
  files.set('values.schema.json', `${JSON.stringify(valuesSchema(env, present), null, 2)}\n`);
  files.set('templates/NOTES.txt', notes(input));
  for (const component of present) {
    files.set(`charts/${component}/Chart.yaml`, yaml(subchart(component, version)));
    for (const manifest of manifests.filter((m) => m.component === component)) {
      files.set(`charts/${component}/templates/${manifest.file}`, escapeTemplate(manifest.text));
    }
  }
  return files;
}

/**
 * Makes text pass through Helm's template engine unchanged: every `{{` becomes an action that
 * prints `{{`. Nothing else in YAML is template syntax.
 */
export function escapeTemplate(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

function umbrellaChart({ env, version, manifests }: HelmChartInput, present: readonly Component[]) {
  const { kafka, connect, api } = env.config;
  return {
    apiVersion: 'v2',
    name: `cdc8s-${env.name}`,
    description: `cdc8s change-data-capture pipeline (PostgreSQL → Debezium → Strimzi Kafka → consumers) for environment ${env.name}`,
    type: 'application',
    version,
    // The application the pipeline serves; the other components' versions are in the annotations.
    appVersion: api.image.tag,
    kubeVersion: SUPPORTED_KUBERNETES,
    annotations: {
      'cdc8s.io/environment': env.name,
      'cdc8s.io/objects': String(manifests.reduce((n, m) => n + m.objects.length, 0)),
      'cdc8s.io/strimzi-version': STRIMZI_VERSION,
      'cdc8s.io/kafka-version': kafka.version,
      'cdc8s.io/debezium-version': connect.debeziumVersion,
    },
    dependencies: present.map((name) => ({ name, version, repository: `file://charts/${name}`, condition: `${name}.enabled` })),
  };
}

function subchart(component: Component, version: string) {
  return {
    apiVersion: 'v2',
    name: component,
    description: `cdc8s: ${COMPONENT_DOCS[component].holds}`,
    type: 'application',
    version,
    kubeVersion: SUPPORTED_KUBERNETES,
  };
}

function valuesFile(env: Environment, manifests: readonly RenderedManifest[], present: readonly Component[]): string {
  const lines = [
    `# cdc8s-${env.name}: values. The objects are fixed when cdc8s renders them (edit`,
    `# environments/${env.name}.yaml and run \`npm run synth\`); here you only choose which components to install.`,
    '# Unknown or mistyped values are rejected (values.schema.json).',
  ];
  for (const component of present) {
    const files = manifests.filter((m) => m.component === component);
    const counts = new Map<string, number>();
    for (const o of files.flatMap((m) => m.objects)) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
    const counted = [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
    lines.push(
      '',
      `# ${component}: ${COMPONENT_DOCS[component].holds}.`,
      `#   ${files.map((m) => m.file).join(', ')}: ${counted}.`,
      `#   Set false when ${COMPONENT_DOCS[component].disable}.`,
      `${component}:`,
      '  enabled: true',
    );
  }
  return `${lines.join('\n')}\n`;
}

function valuesSchema(env: Environment, present: readonly Component[]) {
  const toggle = (component: Component) => ({
    type: 'object',
    additionalProperties: false,
    required: ['enabled'],
    properties: {
      enabled: { type: 'boolean', description: `Install ${COMPONENT_DOCS[component].holds}.` },
      // Helm copies `global` into every subchart's values; it carries nothing for us.
      global: { type: 'object' },
    },
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `cdc8s-${env.name} values`,
    type: 'object',
    additionalProperties: false,
    properties: {
      global: { type: 'object' },
      ...Object.fromEntries(present.map((c) => [c, toggle(c)])),
    },
  };
}

/**
 * NOTES.txt, shown after install and upgrade. Strimzi's chart creates RoleBindings in the
 * namespace it watches, so a first install is: namespaces only, Strimzi, then an upgrade.
 * The values interpolated here are names the config schema allows, never `{{`.
 */
function notes(input: HelmChartInput): string {
  const { env } = input;
  const lines = [
    `cdc8s pipeline for environment ${env.name}, chart {{ .Chart.Version }}, release {{ .Release.Name }}.`,
    '',
    'Not bundled (cluster-wide, installed once by the platform team, in this order):',
    // The chart creates the namespaces itself (its namespaces subchart).
    ...prerequisites({ ...input, objects: input.manifests.flatMap((m) => m.objects) })
      .filter((p) => p.id !== 'namespaces')
      .flatMap((p) => [`- ${p.what}`, ...p.commands.map((c) => `    ${c}`)]),
    '{{- if and .Values.namespaces.enabled (not .Values.kafka.enabled) }}',
    '',
    `The namespaces are in place. Install the Strimzi operator now:`,
    `  ${shellCommand(strimziRelease(env.config))}`,
    // Without --reset-values, an upgrade given no values reuses this install's (everything off).
    "then install the rest of the pipeline (--reset-values: back to the chart's defaults, everything on):",
    '  helm upgrade {{ .Release.Name }} <this chart> --namespace {{ .Release.Namespace }} --reset-values',
    '{{- end }}',
    '',
    ...uninstallNotes(input),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * What `helm uninstall` leaves behind (objects annotated helm.sh/resource-policy: keep) and how to
 * remove it on purpose.
 */
function uninstallNotes(input: HelmChartInput): string[] {
  const { streaming, data } = input.env.config.namespaces;
  const kept = [
    ...new Set(
      input.manifests
        .flatMap((m) => m.objects)
        .filter((o) => o.metadata.annotations?.[HELM_RESOURCE_POLICY] === 'keep')
        .map((o) => o.kind),
    ),
  ];
  return [
    `helm uninstall keeps what holds data: ${kept.join(', ')} (and, through Retain, their disks).`,
    'To delete the data on purpose, after the uninstall:',
    `  kubectl delete kafkatopic,kafkanodepool,kafka --all -n ${streaming}   # the Topic Operator deletes topic data`,
    `  kubectl delete pvc --all -n ${data}; kubectl delete pvc -l strimzi.io/cluster=${input.env.config.kafka.name} -n ${streaming}`,
    '  then delete the released PersistentVolumes (kubectl get pv) and their cloud disks,',
    `  then the namespaces: kubectl delete namespace ${Object.values(input.env.config.namespaces).join(' ')}`,
  ];
}

function yaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}
