import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { restrictedContainerSecurityContext } from './security';

export interface ScriptSidecarProps {
  /** Name of the ConfigMap holding the sidecar's files. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Where the ConfigMap is mounted (without subPath, so an update reaches the running pod). */
  readonly mountDir: string;
}

/**
 * Files in a ConfigMap and a sidecar that runs one of them with bash, from the server's own image
 * (psql, pgbackrest, bash), restricted. Changing a file changes the ConfigMap only: the kubelet
 * updates the mounted copy and the pod is not restarted.
 */
export abstract class ScriptSidecar extends Construct {
  readonly configMapName: string;
  readonly files: Readonly<Record<string, string>>;

  constructor(
    scope: Construct,
    id: string,
    private readonly sidecar: ScriptSidecarProps,
    files: Record<string, string>,
  ) {
    super(scope, id);
    this.configMapName = sidecar.name;
    this.files = files;
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: this.configMapName, namespace: sidecar.namespace, labels: sidecar.labels },
      data: this.files,
    });
  }

  /** The ConfigMap as a volume, read-only for everyone. */
  volume(name: string): k8s.Volume {
    return { name, configMap: { name: this.configMapName, defaultMode: 0o444 } };
  }

  /** The container running `script` (a file of the ConfigMap), with its probes and mounts. */
  protected scriptContainer(
    name: string,
    script: string,
    image: string,
    mounts: readonly k8s.VolumeMount[],
    resources: k8s.ResourceRequirements,
    probes: Pick<k8s.Container, 'readinessProbe' | 'livenessProbe'>,
    env?: readonly k8s.EnvVar[],
  ): k8s.Container {
    return {
      name,
      image,
      imagePullPolicy: 'IfNotPresent',
      command: ['bash', `${this.sidecar.mountDir}/${script}`],
      ...(env ? { env: [...env] } : {}),
      resources,
      securityContext: restrictedContainerSecurityContext(),
      ...probes,
      volumeMounts: [...mounts],
    };
  }
}
