import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { commonLabels } from '../constructs/k8s/labels';
import { PostgresCertificateAuthority } from '../constructs/postgres/tls';
import { StrimziStateMetrics } from '../constructs/observability/strimzi-state-metrics';
import { ChartContext } from './context';

export interface PlatformGuardChartProps extends ChartContext {
  /** The cluster-scoped objects the pipeline renders (its Namespaces and PersistentVolumes). */
  readonly objects: readonly ApiObject[];
}

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const ENFORCE_VERSION = 'pod-security.kubernetes.io/enforce-version';
/** Pod Security levels, loosest first: a namespace may only become stricter than we render it. */
const LEVELS = ['privileged', 'baseline', 'restricted'];

/**
 * dist/platform/<env>.yaml: a ValidatingAdmissionPolicy (GA since Kubernetes 1.30) the platform
 * team applies once with its own credentials, never synced from Git: Argo CD checks destinations
 * only for namespaced objects, so a commit could otherwise relabel our namespaces to
 * `privileged` or point our PersistentVolume at the node's `/`. The API server then refuses any
 * Pod Security label looser than we render and any other hostPath for our volume, whoever asks.
 * Beside it, what else the platform owns: the database's CA, and kube-state-metrics' configuration.
 */
export class PlatformGuardChart extends Chart {
  constructor(scope: Construct, id: string, { env, objects }: PlatformGuardChartProps) {
    super(scope, id);
    const name = `cdc8s-${env.name}-cluster-objects`;
    const json = objects.map((o) => o.toJson());
    const namespaces = json.filter((o) => o.kind === 'Namespace');
    const volumes = json.filter((o) => o.kind === 'PersistentVolume' && o.spec?.hostPath);
    const labelIn = (label: string, values: string[]) =>
      `'${label}' in object.metadata.labels && object.metadata.labels['${label}'] in [${values.map((v) => `'${v}'`).join(', ')}]`;
    const validations = [
      ...namespaces.map((ns) => {
        const level: string = ns.metadata.labels[ENFORCE];
        const allowed = LEVELS.slice(LEVELS.indexOf(level));
        return {
          expression: `request.resource.resource != 'namespaces' || object.metadata.name != '${ns.metadata.name}' || (has(object.metadata.labels) && ${labelIn(ENFORCE, allowed)} && ${labelIn(ENFORCE_VERSION, [ns.metadata.labels[ENFORCE_VERSION]])})`,
          message: `namespace ${ns.metadata.name} must enforce Pod Security ${allowed.join(' or ')} (${ENFORCE_VERSION}: ${ns.metadata.labels[ENFORCE_VERSION]}); change it in the cdc8s environment and re-apply dist/platform/${env.name}.yaml`,
        };
      }),
      ...volumes.map((pv) => ({
        expression: `request.resource.resource != 'persistentvolumes' || object.metadata.name != '${pv.metadata.name}' || (has(object.spec.hostPath) && object.spec.hostPath.path == '${pv.spec.hostPath.path}')`,
        message: `persistent volume ${pv.metadata.name} must be the hostPath ${pv.spec.hostPath.path}`,
      })),
    ];
    const resources = [...(namespaces.length ? ['namespaces'] : []), ...(volumes.length ? ['persistentvolumes'] : [])];
    new ApiObject(this, 'Policy', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels: commonLabels() },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources }] },
        validations,
      },
    });
    new ApiObject(this, 'Binding', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels: commonLabels() },
      spec: { policyName: name, validationActions: ['Deny'] },
    });
    // The database's CA: platform-owned like the policy, in cert-manager's namespace.
    new PostgresCertificateAuthority(this, 'PostgresCa', env.name);
    // kube-state-metrics' view of Strimzi's resources: platform-owned too, in its namespace.
    if (env.config.observability.enabled) {
      new StrimziStateMetrics(this, 'StrimziStateMetrics', {
        name: `cdc8s-${env.name}-strimzi-state`,
        kubeStateMetrics: env.config.observability.kubeStateMetrics,
        labels: commonLabels(),
      });
    }
  }
}
