import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Resources } from '../../model/config';
import { withConfigDefaults } from '../../model/config-defaults';
import { selectorLabels, workloadLabels } from './labels';
import { resourceRequirements } from './resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security';

export interface WorkloadProps {
  /** Name of the Deployment, ServiceAccount and PodDisruptionBudget. */
  readonly name: string;
  /** Namespace of every object the workload renders. */
  readonly namespace: string;
  /** Environment name, for the instance label. */
  readonly instance: string;
  /** app.kubernetes.io/component, e.g. `api`; also the container name. */
  readonly component: string;
  /** Pinned image reference. */
  readonly image: string;
  /** The image tag, for the version label. */
  readonly version: string;
  /**
   * Pod count; at 2 or more the workload also gets spreading and a PodDisruptionBudget.
   * @default 2 (config schema: api.replicas)
   */
  readonly replicas?: number;
  /**
   * Container port of the HTTP endpoints (>= 1024: it runs as non-root).
   * @default 8080 (config schema: api.port)
   */
  readonly port?: number;
  /**
   * Non-root UID the image runs as.
   * @default 10001 (config schema: api.runAsUser)
   */
  readonly runAsUser?: number;
  /**
   * HTTP path that answers 200 when the pod can take work (readiness).
   * @default '/readyz' (config schema: api.probes.readinessPath)
   */
  readonly readinessPath?: string;
  /**
   * HTTP path that answers 200 while the process is healthy (startup and liveness).
   * @default '/livez' (config schema: api.probes.livenessPath)
   */
  readonly livenessPath?: string;
  /** Requests and limits of the container. */
  readonly resources: Resources;
  /** Environment variables; secret values only through `valueFrom`. */
  readonly env?: readonly k8s.EnvVar[];
  /** Annotations binding the ServiceAccount to a cloud identity. */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /** Extra volumes (config, credentials), mounted read-only at the given paths. */
  readonly mounts?: readonly { readonly volume: k8s.Volume; readonly mountPath: string }[];
  /** Pod template annotations (e.g. a config checksum that rolls the pods on change). */
  readonly podAnnotations?: Record<string, string>;
}

/** Where each setting a caller may leave out takes its default (the `@default`s above). */
export const WORKLOAD_DEFAULTS = {
  replicas: 'api.replicas',
  port: 'api.port',
  runAsUser: 'api.runAsUser',
  readinessPath: 'api.probes.readinessPath',
  livenessPath: 'api.probes.livenessPath',
} as const;

/**
 * A stateless workload done properly: its own ServiceAccount (no API token mounted), a
 * restricted, read-only pod, startup/readiness/liveness probes, requests and limits, and — when it
 * runs more than one replica — zone/node spreading and a PodDisruptionBudget.
 */
export class Workload extends Construct {
  readonly podLabels: Record<string, string>;
  readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, given: WorkloadProps) {
    super(scope, id);
    const props = withConfigDefaults(given, WORKLOAD_DEFAULTS);
    const identity = { name: props.name, component: props.component, instance: props.instance, version: props.version };
    const labels = workloadLabels(identity);
    const selector = selectorLabels(identity);
    const metadata = { name: props.name, namespace: props.namespace, labels };
    this.podLabels = labels;
    this.selector = selector;
    const mounts = props.mounts ?? [];

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...metadata, annotations: props.serviceAccountAnnotations },
      // Nothing here talks to the Kubernetes API; cloud identities bring their own token.
      automountServiceAccountToken: false,
    });

    const highlyAvailable = props.replicas >= 2;
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata,
      spec: {
        replicas: props.replicas,
        selector: { matchLabels: selector },
        // Never drop below the desired count during a rollout.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        revisionHistoryLimit: 5,
        template: {
          metadata: { labels, ...(props.podAnnotations ? { annotations: props.podAnnotations } : {}) },
          spec: {
            serviceAccountName: props.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(props.runAsUser),
            ...(highlyAvailable ? { topologySpreadConstraints: spreadAcrossZonesAndNodes(selector) } : {}),
            containers: [
              {
                name: props.component,
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: props.port, protocol: 'TCP' }],
                env: props.env ? [...props.env] : undefined,
                resources: resourceRequirements(props.resources),
                securityContext: restrictedContainerSecurityContext(),
                startupProbe: httpProbe(props.livenessPath, { periodSeconds: 5, failureThreshold: 30 }),
                readinessProbe: httpProbe(props.readinessPath, { periodSeconds: 5, failureThreshold: 3 }),
                livenessProbe: httpProbe(props.livenessPath, { periodSeconds: 10, failureThreshold: 3 }),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...mounts.map((m) => ({ name: m.volume.name, mountPath: m.mountPath, readOnly: true }))],
              },
            ],
            // /tmp is the only writable path under the read-only root filesystem.
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }, ...mounts.map((m) => m.volume)],
          },
        },
      },
    });

    if (highlyAvailable) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata,
        // maxUnavailable (not minAvailable) keeps node drains possible at any replica count.
        spec: {
          maxUnavailable: k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: selector },
          // A pod that never became ready may always be evicted: it must not block a node drain.
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }
  }
}

function httpProbe(path: string, timing: { periodSeconds: number; failureThreshold: number }): k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromString('http') }, timeoutSeconds: 2, ...timing };
}

/** Zones first (survive a zone outage), then nodes; never blocks scheduling on clusters without zones. */
export function spreadAcrossZonesAndNodes(selector: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
  ];
}
