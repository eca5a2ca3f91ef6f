import type { IGateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway' with { 'resolution-mode': 'import' };
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute' with { 'resolution-mode': 'import' };
import type { IGCPGatewayPolicy } from '@kubernetes-models/gke/networking.gke.io/v1/GCPGatewayPolicy';
import type { IHealthCheckPolicy } from '@kubernetes-models/gke/networking.gke.io/v1/HealthCheckPolicy';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { HttpBackend } from '../k8s/http-exposure';

export interface GkeGatewayProps {
  readonly backend: HttpBackend;
  /** Pre-shared Compute Engine SSL certificate the HTTPS listener presents. */
  readonly sslCertificate: string;
  /**
   * Compute Engine SSL policy of the load balancer's HTTPS frontend. Without one GCP's default
   * applies, which accepts TLS 1.0; create it with a minimum of TLS 1.2.
   */
  readonly sslPolicy: string;
  /**
   * GatewayClass; the global external Application Load Balancer by default.
   * @default 'gke-l7-global-external-managed'
   */
  readonly gatewayClassName?: string;
}

/**
 * Gateway API exposure on GKE (GKE Ingress is in maintenance mode): a Gateway that terminates
 * TLS with a TLS 1.2+ SSL policy (GCPGatewayPolicy), an HTTPRoute to the Service, and a
 * HealthCheckPolicy so the load balancer probes the readiness path instead of `/`. See cloud.google.com/kubernetes-engine/docs/how-to/deploying-gateways
 * and .../configure-gateway-resources.
 */
export class GkeGateway extends Construct {
  constructor(scope: Construct, id: string, props: GkeGatewayProps) {
    super(scope, id);
    const { backend } = props;
    if (!backend.hostname) throw new Error(`GkeGateway ${backend.serviceName}: a hostname is required`);
    const metadata = { name: backend.serviceName, namespace: backend.namespace, labels: backend.labels };

    new ApiObject(this, 'Gateway', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata,
      spec: {
        gatewayClassName: props.gatewayClassName ?? 'gke-l7-global-external-managed',
        listeners: [
          {
            name: 'https',
            protocol: 'HTTPS',
            port: 443,
            hostname: backend.hostname,
            tls: { mode: 'Terminate', options: { 'networking.gke.io/pre-shared-certs': props.sslCertificate } },
            allowedRoutes: { namespaces: { from: 'Same' } },
          },
        ],
      } satisfies IGateway['spec'],
    });

    new ApiObject(this, 'Route', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata,
      spec: {
        parentRefs: [{ name: backend.serviceName, sectionName: 'https' }],
        hostnames: [backend.hostname],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [{ name: backend.serviceName, port: backend.servicePort }],
          },
        ],
      } satisfies IHTTPRoute['spec'],
    });

    new ApiObject(this, 'TlsPolicy', {
      apiVersion: 'networking.gke.io/v1',
      kind: 'GCPGatewayPolicy',
      metadata,
      spec: {
        default: { sslPolicy: props.sslPolicy },
        targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: backend.serviceName },
      } satisfies IGCPGatewayPolicy['spec'],
    });
    new ApiObject(this, 'HealthCheck', {
      apiVersion: 'networking.gke.io/v1',
      kind: 'HealthCheckPolicy',
      metadata,
      spec: {
        default: {
          config: {
            type: 'HTTP',
            // NEG health checks reach the pod directly, so the container port is probed.
            // The CRD's CEL rules: a port is only allowed with USE_FIXED_PORT (the default,
            // USE_SERVING_PORT, forbids it); found by applying to a real API server.
            httpHealthCheck: { portSpecification: 'USE_FIXED_PORT', port: backend.targetPort, requestPath: backend.healthCheckPath },
          },
        },
        targetRef: { group: '', kind: 'Service', name: backend.serviceName },
      } satisfies IHealthCheckPolicy['spec'],
    });
  }
}
