import { stringify } from 'yaml';
import { HELM_RESOURCE_POLICY } from '../model/apply-order';
import { ESO_GENERATORS_API } from '../constructs/cloud/registry-push-secret';
import { Component, COMPONENTS } from '../charts';
import { Environment, EnvironmentConfig } from '../model/config';
import { STRIMZI_VERSION } from '../model/strimzi';
import { CERT_MANAGER_VERSION, EXTERNAL_SECRETS_VERSION, KAFKA_ACCESS_OPERATOR_VERSION } from '../model/versions';
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
  /** Images the user builds before installing (the Debezium-ready Postgres). */
  readonly imagesToBuild: readonly string[];
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

/** A cluster-wide prerequisite the objects depend on but the chart must not install, and how to install it. */
export interface Prerequisite {
  readonly what: string;
  /** The commands that install it (none: the platform provides it, or the line says how). */
  readonly commands: readonly string[];
}

/**
 * What must exist before the objects work, in install order: the operators (each pinned, with its
 * install command), the platform file, the cloud's own pieces, the images to build. The README's
 * "What must exist first" and NOTES.txt say the same (test: prerequisites.test.ts).
 */
export function prerequisites(input: HelmChartInput): Prerequisite[] {
  const { env } = input;
  const objects = input.manifests.flatMap((m) => m.objects);
  const readers = objects.filter((o) => o.kind === 'SecretStore').map((o) => o.metadata.namespace as string);
  const externalSecrets = readers.length > 0 || objects.some((o) => o.apiVersion === ESO_GENERATORS_API);
  const uses = (kind: string) => objects.some((o) => o.kind === kind);
  return [
    {
      what: `the Strimzi operator ${STRIMZI_VERSION} in ${env.config.kafka.operatorNamespace}, watching ${env.config.namespaces.streaming}, with STRIMZI_POD_SECURITY_PROVIDER_CLASS=restricted (it brings the Strimzi CRDs; after the namespaces exist)`,
      commands: strimziInstallCommand(env.config),
    },
    ...(uses('Certificate')
      ? [
          {
            what: `cert-manager ${CERT_MANAGER_VERSION} with its CRDs, then the platform file (the database's CA issuer, the admission policy)`,
            commands: [
              `helm install cert-manager oci://quay.io/jetstack/charts/cert-manager --version v${CERT_MANAGER_VERSION} --namespace cert-manager --create-namespace --set crds.enabled=true`,
              `kubectl apply --server-side -f dist/platform/${env.name}.yaml`,
            ],
          },
        ]
      : []),
    ...(externalSecrets
      ? [
          {
            what: `External Secrets Operator ${EXTERNAL_SECRETS_VERSION} with its generators${readers.length ? `, and the cloud identity of the secret reader of ${readers.join(', ')} granted exactly its secrets (npm run secrets -- --env ${env.name} prints the policies)` : ''}`,
            commands: [
              `helm install external-secrets oci://ghcr.io/external-secrets/charts/external-secrets --version ${EXTERNAL_SECRETS_VERSION} --namespace external-secrets --create-namespace`,
            ],
          },
        ]
      : []),
    ...(uses('KafkaAccess')
      ? [
          {
            what: `the Strimzi Kafka Access Operator ${KAFKA_ACCESS_OPERATOR_VERSION} (it writes each consumer's Kafka Secret in ${env.config.namespaces.apps})`,
            commands: [
              `helm install kafka-access-operator oci://quay.io/strimzi-helm/strimzi-access-operator --version ${KAFKA_ACCESS_OPERATOR_VERSION} --namespace strimzi-access-operator --create-namespace`,
            ],
          },
        ]
      : []),
    { what: input.networkPolicyEnforcement, commands: [] },
    ...(uses('Ingress') ? [{ what: 'the AWS Load Balancer Controller (Ingress class alb)', commands: [] }] : []),
    ...(uses('Gateway') ? [{ what: 'the Gateway API on the cluster', commands: ['gcloud container clusters update <cluster> --gateway-api=standard'] }] : []),
    ...objects
      .filter((o) => o.kind === 'GCPGatewayPolicy')
      .map((o) => ({
        what: `the SSL policy ${o.spec.default.sslPolicy}`,
        commands: [`gcloud compute ssl-policies create ${o.spec.default.sslPolicy} --profile MODERN --min-tls-version 1.2`],
      })),
    ...input.imagesToBuild.map((ref) => ({ what: `the image ${ref}, built from dist/images/ and pushed`, commands: [] })),
  ];
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
    ...prerequisites(input).flatMap((p) => [`- ${p.what}`, ...p.commands.map((c) => `    ${c}`)]),
    '{{- if and .Values.namespaces.enabled (not .Values.kafka.enabled) }}',
    '',
    `The namespaces are in place. Install the Strimzi operator now:`,
    ...strimziInstallCommand(env.config).map((line) => `  ${line}`),
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

/**
 * The Strimzi operator install the pipeline assumes: in the configured namespace, watching the
 * streaming namespace, with the restricted pod security provider (every operand gets a
 * `restricted` security context unless its CR sets one; the Connect build sets its own).
 */
export function strimziInstallCommand(config: EnvironmentConfig): string[] {
  return [
    `helm install strimzi oci://quay.io/strimzi-helm/strimzi-kafka-operator --version ${STRIMZI_VERSION} \\`,
    `  --namespace ${config.kafka.operatorNamespace} --create-namespace --set 'watchNamespaces={${config.namespaces.streaming}}' \\`,
    `  --set 'extraEnvs[0].name=STRIMZI_POD_SECURITY_PROVIDER_CLASS' --set 'extraEnvs[0].value=restricted'`,
  ];
}

function yaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}
