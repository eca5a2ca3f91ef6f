import { ESO_GENERATORS_API } from '../constructs/cloud/registry-push-secret';
import { POSTGRES_UID } from '../constructs/postgres/image';
import { Environment, EnvironmentConfig } from '../model/config';
import { outputPaths } from '../model/paths';
import { RenderedObject } from '../model/rendered-object';
import { STRIMZI_VERSION } from '../model/strimzi';
import { CERT_MANAGER_VERSION, EXTERNAL_SECRETS_VERSION, KAFKA_ACCESS_OPERATOR_VERSION, PROMETHEUS_OPERATOR_BUNDLE, PROMETHEUS_OPERATOR_VERSION } from '../model/versions';

/** An operator installed from its upstream Helm chart, at the version the output is validated against. */
export interface HelmRelease {
  readonly kind: 'helm';
  readonly release: string;
  /** The chart's upstream OCI reference. */
  readonly chart: string;
  /** The chart's name: its folder in a local chart directory (`npm run prerequisites -- --chart-dir`). */
  readonly chartName: string;
  readonly version: string;
  readonly namespace: string;
  /** `--set` values, in order. */
  readonly set: readonly string[];
}

/** Objects applied with kubectl: a file of dist/, or an upstream file pinned by URL and sha256. */
export interface ManifestApply {
  readonly kind: 'apply';
  /** Server-side (CRDs too large for the last-applied annotation; objects others also write), or as `kubectl apply -f dist/<env>/` will later. */
  readonly serverSide: boolean;
  /** A path relative to the output directory (dist/). */
  readonly file?: string;
  /** An upstream file, downloaded and checked against its sha256 before it is applied. */
  readonly pinned?: { readonly path: string; readonly url: string; readonly sha256: string };
}

/** A command on the cluster's node (minikube), which only a real cluster can run. */
export interface NodeCommand {
  readonly kind: 'node';
  readonly argv: readonly string[];
}

/** An image built from its context in dist/images/ straight into minikube's image store. */
export interface NodeImageBuild {
  readonly kind: 'image';
  readonly ref: string;
  /** Relative to the output directory (dist/). */
  readonly contextDir: string;
}

export type InstallAction = HelmRelease | ManifestApply | NodeCommand | NodeImageBuild;

/** The output directory the docs' commands name. */
const DIST = 'dist';

/** A cluster-wide prerequisite the objects depend on but the chart must not install, and how to install it. */
export interface Prerequisite {
  /** Its name for `npm run prerequisites -- --skip <id>`. */
  readonly id: string;
  readonly what: string;
  /** What `npm run prerequisites` runs for it, in order (none: the platform provides it, or `what` says how). */
  readonly actions: readonly InstallAction[];
  /** The same as shell commands (NOTES.txt, docs/deploy.md, `npm run prerequisites -- --print`), or how to do it by hand. */
  readonly commands: readonly string[];
}

export interface PrerequisiteInput {
  readonly env: Environment;
  /** Every object of dist/<env>/. */
  readonly objects: readonly RenderedObject[];
  /** Images built from dist/images/ before applying. */
  readonly images: readonly { readonly ref: string; readonly contextDir: string }[];
  /** What enforces NetworkPolicies on the target platform. */
  readonly networkPolicyEnforcement: string;
}

/**
 * What must exist before `kubectl apply -f dist/<env>/` works, in install order: the namespaces,
 * the operators the objects need (each pinned to the release the output is validated against),
 * the platform file, the cloud's own pieces, the images. `npm run prerequisites` runs the actions;
 * NOTES.txt and docs/deploy.md print the commands (test: prerequisites.test.ts).
 */
export function prerequisites(input: PrerequisiteInput): Prerequisite[] {
  const { env, objects } = input;
  const config = env.config;
  const paths = outputPaths(env.name);
  const readers = objects.filter((o) => o.kind === 'SecretStore').map((o) => o.metadata.namespace as string);
  const externalSecrets = readers.length > 0 || objects.some((o) => o.apiVersion === ESO_GENERATORS_API);
  const uses = (kind: string) => objects.some((o) => o.kind === kind);
  const minikube = config.platform === 'minikube';
  return [
    step('namespaces', `the namespaces (the Strimzi operator creates RoleBindings in the one it watches)`, [
      { kind: 'apply', serverSide: false, file: `${paths.manifests}/00-namespaces.yaml` },
    ]),
    step(
      'strimzi',
      `the Strimzi operator ${STRIMZI_VERSION} in ${config.kafka.operatorNamespace}, watching ${config.namespaces.streaming}, with STRIMZI_POD_SECURITY_PROVIDER_CLASS=restricted (it brings the Strimzi CRDs)`,
      [strimziRelease(config)],
    ),
    ...(uses('Certificate')
      ? [
          step('cert-manager', `cert-manager ${CERT_MANAGER_VERSION} with its CRDs (the database's and clients' certificates)`, [
            helm('cert-manager', 'oci://quay.io/jetstack/charts/cert-manager', `v${CERT_MANAGER_VERSION}`, 'cert-manager', ['crds.enabled=true']),
          ]),
        ]
      : []),
    step('platform', `the platform file: the admission policy${uses('Certificate') ? `, and the database's CA issuer (in cert-manager's namespace)` : ''}`, [
      { kind: 'apply', serverSide: true, file: paths.platform },
    ]),
    ...(externalSecrets
      ? [
          step(
            'external-secrets',
            `External Secrets Operator ${EXTERNAL_SECRETS_VERSION} with its generators${readers.length ? `, and the cloud identity of the secret reader of ${readers.join(', ')} granted exactly its secrets (npm run secrets -- --env ${env.name} prints the policies)` : ''}`,
            [helm('external-secrets', 'oci://ghcr.io/external-secrets/charts/external-secrets', EXTERNAL_SECRETS_VERSION, 'external-secrets')],
          ),
        ]
      : []),
    ...(uses('KafkaAccess')
      ? [
          step(
            'kafka-access-operator',
            `the Strimzi Kafka Access Operator ${KAFKA_ACCESS_OPERATOR_VERSION} (it writes each consumer's Kafka Secret in ${config.namespaces.apps})`,
            [helm('kafka-access-operator', 'oci://quay.io/strimzi-helm/strimzi-access-operator', KAFKA_ACCESS_OPERATOR_VERSION, 'strimzi-access-operator')],
          ),
        ]
      : []),
    ...(uses('PodMonitor') || uses('PrometheusRule')
      ? [
          step(
            'prometheus-operator',
            `the Prometheus Operator ${PROMETHEUS_OPERATOR_VERSION} (PodMonitor, PrometheusRule; upstream's bundle, in the namespace default), unless your Prometheus stack brings it`,
            [{ kind: 'apply', serverSide: true, pinned: PROMETHEUS_OPERATOR_BUNDLE }],
          ),
        ]
      : []),
    ...(minikube && config.minikube
      ? [
          step('host-path', 'the database directory on the node (a hostPath is not chowned by fsGroup)', [
            {
              kind: 'node',
              argv: ['minikube', 'ssh', '--', 'sudo', 'install', '-d', '-o', `${POSTGRES_UID}`, '-g', `${POSTGRES_UID}`, '-m', '0700', config.minikube.postgresHostPath],
            },
          ]),
        ]
      : []),
    ...input.images.map((image) =>
      minikube
        ? step('images', `the image ${image.ref}, built into the node's image store`, [{ kind: 'image', ref: image.ref, contextDir: image.contextDir }])
        : manual('images', `the image ${image.ref}, built from ${DIST}/${image.contextDir}/ and pushed`, []),
    ),
    manual('network-policy', input.networkPolicyEnforcement, []),
    ...(uses('Ingress') ? [manual('ingress', 'the AWS Load Balancer Controller (Ingress class alb)', [])] : []),
    ...(uses('Gateway') ? [manual('gateway-api', 'the Gateway API on the cluster', ['gcloud container clusters update <cluster> --gateway-api=standard'])] : []),
    ...objects
      .filter((o) => o.kind === 'GCPGatewayPolicy')
      .map((o) =>
        manual('ssl-policy', `the SSL policy ${o.spec.default.sslPolicy}`, [
          `gcloud compute ssl-policies create ${o.spec.default.sslPolicy} --profile MODERN --min-tls-version 1.2`,
        ]),
      ),
  ];
}

/**
 * The Strimzi operator install the pipeline assumes: in the configured namespace, watching the
 * streaming namespace, with the restricted pod security provider (every operand gets a
 * `restricted` security context unless its CR sets one; the Connect build sets its own).
 */
export function strimziRelease(config: EnvironmentConfig): HelmRelease {
  return helm('strimzi', 'oci://quay.io/strimzi-helm/strimzi-kafka-operator', STRIMZI_VERSION, config.kafka.operatorNamespace, [
    `watchNamespaces={${config.namespaces.streaming}}`,
    'extraEnvs[0].name=STRIMZI_POD_SECURITY_PROVIDER_CLASS',
    'extraEnvs[0].value=restricted',
  ]);
}

/** The shell form of an action, as a user would type it. */
export function shellCommand(action: InstallAction): string {
  switch (action.kind) {
    case 'helm':
      return [
        `helm upgrade --install ${action.release} ${action.chart} --version ${action.version}`,
        `--namespace ${action.namespace} --create-namespace`,
        ...action.set.map((value) => `--set '${value}'`),
      ].join(' ');
    case 'apply':
      return `kubectl apply${action.serverSide ? ' --server-side' : ''} -f ${action.file ? `${DIST}/${action.file}` : action.pinned?.url}`;
    case 'node':
      return action.argv.join(' ');
    case 'image':
      return `minikube image build -t ${action.ref} ${DIST}/${action.contextDir}`;
  }
}

function helm(release: string, chart: string, version: string, namespace: string, set: readonly string[] = []): HelmRelease {
  return { kind: 'helm', release, chart, chartName: chart.split('/').pop() as string, version, namespace, set };
}

function step(id: string, what: string, actions: readonly InstallAction[]): Prerequisite {
  return { id, what, actions, commands: actions.map(shellCommand) };
}

/** What the platform provides: nothing for `npm run prerequisites` to run. */
function manual(id: string, what: string, commands: readonly string[]): Prerequisite {
  return { id, what, actions: [], commands };
}
