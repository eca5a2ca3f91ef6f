import { describe, expect, it } from 'vitest';
import { objectsOf, ofKind, render, renderVariant } from './helpers';

/** The API's public HTTPS frontend accepts TLS 1.2 and later only, on both clouds. */
describe("the API's load balancer refuses TLS below 1.2", () => {
  it('EKS: the ALB listener uses a TLS 1.2+ security policy', () => {
    const [ingress] = ofKind(objectsOf(render('eks')), 'Ingress');
    expect(ingress.metadata.annotations?.['alb.ingress.kubernetes.io/ssl-policy']).toMatch(/^ELBSecurityPolicy-TLS13-1-2-/);
  });

  it("GKE: a GCPGatewayPolicy gives the Gateway the configured SSL policy (without one GCP's default accepts TLS 1.0)", () => {
    const objects = objectsOf(render('gke'));
    const [gateway] = ofKind(objects, 'Gateway');
    const [policy] = ofKind(objects, 'GCPGatewayPolicy');
    expect(policy.metadata.namespace).toBe(gateway.metadata.namespace);
    expect(policy.spec).toEqual({ default: { sslPolicy: 'cdc8s-tls12' }, targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.metadata.name } });
  });

  it('GKE: a config without gke.sslPolicy fails, naming the field', () => {
    expect(() =>
      renderVariant('gke', (c) => {
        delete c.gke.sslPolicy;
      }),
    ).toThrow(/\/gke.*sslPolicy/s);
  });
});
