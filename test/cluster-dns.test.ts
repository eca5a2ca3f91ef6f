import { describe, expect, it } from 'vitest';
import { RenderedObject, objectsOf, ofKind, render, renderVariant } from './helpers';
import { External, Network, Pod } from './network';

/** Where a pod's DNS queries go, per GKE DNS provider (GKE's docs: NodeLocal DNSCache, Cloud DNS for GKE, kube-dns). */
const KUBE_DNS: Pod = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const NODE_LOCAL: External = { ip: '169.254.20.10' };
const METADATA_SERVER: External = { ip: '169.254.169.254' };
const RESOLVERS = { 'nodelocal-dns-cache': NODE_LOCAL, 'cloud-dns': METADATA_SERVER, 'kube-dns': KUBE_DNS } as const;

/** One pod of every workload whose egress a NetworkPolicy restricts, with the labels its pods carry. */
function restrictedPods(objects: RenderedObject[]): Pod[] {
  const network = new Network(ofKind(objects, 'NetworkPolicy'), ofKind(objects, 'Namespace'));
  const ours = objects
    .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
    .map((o) => ({ namespace: o.metadata.namespace as string, labels: o.spec.template.metadata.labels as Record<string, string> }));
  const strimzi: Pod[] = [
    {
      namespace: 'cdc-streaming',
      labels: { 'strimzi.io/cluster': 'cdc', 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': 'cdc-kafka', 'strimzi.io/pool-name': 'broker', 'strimzi.io/broker-role': 'true' },
    },
    { namespace: 'cdc-streaming', labels: { 'strimzi.io/cluster': 'cdc', 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': 'cdc-entity-operator' } },
    { namespace: 'cdc-streaming', labels: { 'strimzi.io/cluster': 'cdc-connect', 'strimzi.io/kind': 'KafkaConnect', 'strimzi.io/name': 'cdc-connect-connect' } },
    // The image build pod runs only where Strimzi builds the image.
    ...(ofKind(objects, 'KafkaConnect')[0].spec.build
      ? [{ namespace: 'cdc-streaming', labels: { 'strimzi.io/cluster': 'cdc-connect', 'strimzi.io/kind': 'KafkaConnect', 'strimzi.io/name': 'cdc-connect-connect-build' } }]
      : []),
  ];
  // Only pods that some policy restricts (with none, everything flows anyway).
  return [...ours, ...strimzi].filter((pod) => !network.egressAllowed(pod, { ip: '198.51.100.20' }, 25));
}

describe("gke: every pod that restricted egress reaches exactly the DNS resolver of the cluster's provider (gke.dns)", () => {
  it('defaults to NodeLocal DNSCache (on, and always, in Autopilot; the default in Standard from 1.33.1)', () => {
    expect(render('gke').env.config.gke?.dns).toBe('nodelocal-dns-cache');
  });

  it.each(Object.keys(RESOLVERS) as (keyof typeof RESOLVERS)[])('%s', (provider) => {
    const objects = objectsOf(
      renderVariant('gke', (c) => {
        c.gke.dns = provider;
      }),
    );
    const network = new Network(ofKind(objects, 'NetworkPolicy'), ofKind(objects, 'Namespace'));
    const pods = restrictedPods(objects);
    expect(pods.length).toBeGreaterThanOrEqual(6);
    for (const pod of pods) {
      const name = pod.labels['app.kubernetes.io/name'] ?? pod.labels['strimzi.io/name'];
      for (const protocol of ['UDP', 'TCP'] as const) expect(network.egressAllowed(pod, RESOLVERS[provider], 53, protocol), `${name} ${protocol}`).toBe(true);
      // NodeLocal DNSCache falls back to kube-dns's pods while a node's cache restarts; nothing else is opened.
      if (provider !== 'nodelocal-dns-cache') expect(network.egressAllowed(pod, NODE_LOCAL, 53, 'UDP'), name).toBe(false);
      if (provider !== 'cloud-dns') expect(network.egressAllowed(pod, METADATA_SERVER, 53, 'UDP'), name).toBe(false);
    }
  });

  it("eks and minikube resolve through CoreDNS's pods, and no link-local address", () => {
    for (const env of ['eks', 'minikube']) {
      const objects = objectsOf(render(env));
      const network = new Network(ofKind(objects, 'NetworkPolicy'), ofKind(objects, 'Namespace'));
      for (const pod of restrictedPods(objects)) {
        expect(network.egressAllowed(pod, KUBE_DNS, 53, 'UDP'), `${env} ${JSON.stringify(pod.labels)}`).toBe(true);
        expect(network.egressAllowed(pod, NODE_LOCAL, 53, 'UDP')).toBe(false);
      }
    }
  });

  it('refuses an unknown provider, naming the field and the choices', () => {
    expect(() =>
      renderVariant('gke', (c) => {
        c.gke.dns = 'coredns';
      }),
    ).toThrow('/gke/dns must be one of "nodelocal-dns-cache", "cloud-dns", "kube-dns"');
  });
});
