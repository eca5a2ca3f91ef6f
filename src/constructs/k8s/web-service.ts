import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { withConfigDefaults } from '../../model/config-defaults';
import { HttpBackend } from './http-exposure';
import { Workload, WORKLOAD_DEFAULTS, WorkloadProps } from './workload';
import { applyCallerMetadata, CallerMetadata } from './caller-metadata';

export interface WebServiceProps extends WorkloadProps {
  /** Labels and annotations added to every object it renders (its own win). */
  readonly metadata?: CallerMetadata;
  /**
   * Service type; the platform decides.
   * @default 'ClusterIP'
   */
  readonly serviceType?: 'ClusterIP' | 'NodePort';
  /** Fixed node port (NodePort only); omitted: Kubernetes picks one. */
  readonly nodePort?: number;
  /** Public host name, passed on to exposure objects. */
  readonly hostname?: string;
  /**
   * Service port.
   * @default 80
   */
  readonly servicePort?: number;
}

/** A Workload that serves HTTP: the workload plus its Service, and what exposure objects need. */
export class WebService extends Construct {
  /** What exposure constructs (Ingress, Gateway) point at. */
  readonly backend: HttpBackend;
  readonly podLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    if (props.nodePort !== undefined && props.serviceType !== 'NodePort') {
      throw new Error(`WebService ${props.name}: nodePort needs serviceType NodePort`);
    }
    const servicePort = props.servicePort ?? 80;
    const workload = new Workload(this, 'Workload', props);
    const settings = withConfigDefaults(props, WORKLOAD_DEFAULTS);
    this.podLabels = workload.podLabels;
    this.backend = {
      serviceName: props.name,
      namespace: props.namespace,
      servicePort,
      targetPort: settings.port,
      healthCheckPath: settings.readinessPath,
      hostname: props.hostname,
      labels: workload.podLabels,
    };

    new k8s.KubeService(this, 'Service', {
      metadata: { name: props.name, namespace: props.namespace, labels: workload.podLabels },
      spec: {
        type: props.serviceType ?? 'ClusterIP',
        selector: workload.selector,
        ports: [
          {
            name: 'http',
            port: servicePort,
            targetPort: k8s.IntOrString.fromString('http'),
            protocol: 'TCP',
            ...(props.nodePort !== undefined ? { nodePort: props.nodePort } : {}),
          },
        ],
      },
    });
    applyCallerMetadata(this, props.metadata);
  }
}
