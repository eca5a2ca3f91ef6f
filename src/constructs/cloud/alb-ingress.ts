import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { HttpBackend } from '../k8s/http-exposure';

export interface AlbIngressProps {
  readonly backend: HttpBackend;
  /** ACM certificate for the HTTPS listener. */
  readonly certificateArn: string;
  /** `internet-facing` or `internal`. */
  readonly scheme: string;
  /** ALB TLS negotiation policy. */
  readonly sslPolicy: string;
}

/**
 * An Ingress for the AWS Load Balancer Controller: an ALB that terminates TLS with an ACM
 * certificate, redirects HTTP to HTTPS and sends traffic straight to pod IPs.
 * Annotations: kubernetes-sigs.github.io/aws-load-balancer-controller (ingress annotations).
 */
export class AlbIngress extends Construct {
  constructor(scope: Construct, id: string, props: AlbIngressProps) {
    super(scope, id);
    const { backend } = props;
    if (!backend.hostname) throw new Error(`AlbIngress ${backend.serviceName}: a hostname is required`);
    new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        name: backend.serviceName,
        namespace: backend.namespace,
        labels: backend.labels,
        annotations: {
          'alb.ingress.kubernetes.io/scheme': props.scheme,
          // `ip` registers pod IPs, so traffic skips the node hop and the readiness gate works.
          'alb.ingress.kubernetes.io/target-type': 'ip',
          'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP":80},{"HTTPS":443}]',
          'alb.ingress.kubernetes.io/ssl-redirect': '443',
          'alb.ingress.kubernetes.io/certificate-arn': props.certificateArn,
          'alb.ingress.kubernetes.io/ssl-policy': props.sslPolicy,
          'alb.ingress.kubernetes.io/healthcheck-path': backend.healthCheckPath,
          'alb.ingress.kubernetes.io/healthcheck-port': 'traffic-port',
          'alb.ingress.kubernetes.io/success-codes': '200',
        },
      },
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            host: backend.hostname,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: backend.serviceName, port: { number: backend.servicePort } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
}
