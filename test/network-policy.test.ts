import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, RenderedObject, objectsOf, ofKind, render, renderVariant } from './helpers';
import { External, Network, Pod, strimziListenerPolicy } from './network';

/** Where each platform's load balancer sends traffic to the API's pods from, and an address it never uses. */
const LOAD_BALANCER: Record<(typeof ENVIRONMENTS)[number], { inside: string; outside?: string }> = {
  minikube: { inside: '192.168.49.1' },
  eks: { inside: '10.20.1.12', outside: '10.20.64.7' }, // outside: a pod's address in a private subnet
  gke: { inside: '35.191.12.34', outside: '203.0.113.9' },
};
const INTERNET: External = { ip: '198.51.100.20' };
/** The API server as pods reach it (config kubernetesApi, or the platform's default). */
const API_SERVER: Record<(typeof ENVIRONMENTS)[number], { ip: string; port: number }> = {
  minikube: { ip: '192.168.49.2', port: 8443 },
  eks: { ip: '10.20.0.37', port: 443 },
  gke: { ip: '172.16.0.2', port: 443 },
};
/** Cloud metadata servers (AWS IMDS and EKS Pod Identity, GCE and GKE's metadata server). */
const METADATA: External[] = [{ ip: '169.254.169.254' }, { ip: '169.254.170.23' }, { ip: '169.254.169.252' }];

describe.each(ENVIRONMENTS)('%s: the network admits exactly the flows the pipeline needs', (name) => {
  const rendered = render(name);
  const { config } = rendered.env;
  const objects = objectsOf(rendered);
  const kafka = ofKind(objects, 'Kafka')[0];
  const network = new Network([...ofKind(objects, 'NetworkPolicy'), strimziListenerPolicy(kafka)], ofKind(objects, 'Namespace'));
  const ns = { data: 'cdc-data', streaming: 'cdc-streaming', apps: 'cdc-apps' };
  const podOf = (kind: string, workload: string): Pod => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === workload) as RenderedObject;
    return { namespace: o.metadata.namespace as string, labels: o.spec.template.metadata.labels };
  };
  const postgres = podOf('StatefulSet', 'postgres');
  const api = podOf('Deployment', config.api.name);
  const consumer = podOf('Deployment', config.consumers[0].name);
  // Strimzi's pods, with the labels Strimzi gives them.
  const broker: Pod = {
    namespace: ns.streaming,
    labels: { 'strimzi.io/cluster': 'cdc', 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': 'cdc-kafka', 'strimzi.io/broker-role': 'true', 'strimzi.io/pool-name': 'broker' },
  };
  const connect: Pod = { namespace: ns.streaming, labels: { 'strimzi.io/cluster': 'cdc-connect', 'strimzi.io/kind': 'KafkaConnect', 'strimzi.io/name': 'cdc-connect-connect' } };
  const connectBuild: Pod = {
    namespace: ns.streaming,
    labels: { 'strimzi.io/cluster': 'cdc-connect', 'strimzi.io/kind': 'KafkaConnect', 'strimzi.io/name': 'cdc-connect-connect-build' },
  };
  const entityOperator: Pod = { namespace: ns.streaming, labels: { 'strimzi.io/cluster': 'cdc', 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': 'cdc-entity-operator' } };
  const operator: Pod = { namespace: 'strimzi', labels: { 'strimzi.io/kind': 'cluster-operator', name: 'strimzi-cluster-operator' } };
  const dns: Pod = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
  // Pods that are not part of any flow.
  const strangerInApps: Pod = { namespace: ns.apps, labels: { app: 'debug-shell' } };
  const strangerElsewhere: Pod = { namespace: 'default', labels: { app: 'debug-shell' } };
  const impostorOperator: Pod = { namespace: 'default', labels: { 'strimzi.io/kind': 'cluster-operator' } };

  it('denies all ingress by default in each of our namespaces', () => {
    for (const namespace of Object.values(ns)) {
      const deny = ofKind(objects, 'NetworkPolicy').find((p) => p.metadata.namespace === namespace && p.metadata.name === 'default-deny-ingress');
      expect(deny?.spec, namespace).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    }
    // A pod no flow mentions receives nothing, from inside its namespace or out.
    expect(network.allowed(strangerElsewhere, strangerInApps, 8080)).toBe(false);
    expect(network.allowed(api, consumer, config.consumers[0].port)).toBe(false);
    expect(network.allowed(strangerInApps, entityOperator, 8080)).toBe(false);
  });

  it('API → Postgres, and no other pod of the apps namespace', () => {
    expect(network.allowed(api, postgres, 5432)).toBe(true);
    expect(network.allowed(consumer, postgres, 5432)).toBe(false);
    expect(network.allowed(strangerInApps, postgres, 5432)).toBe(false);
    expect(network.allowed(strangerElsewhere, postgres, 5432)).toBe(false);
    expect(network.allowed(api, postgres, 22)).toBe(false);
  });

  it('Connect → Postgres (the replication connection), and no other Strimzi pod', () => {
    expect(network.allowed(connect, postgres, 5432)).toBe(true);
    expect(network.allowed(broker, postgres, 5432)).toBe(false);
    expect(network.allowed(entityOperator, postgres, 5432)).toBe(false);
    expect(network.allowed(connectBuild, postgres, 5432)).toBe(false);
  });

  it('clients → the Kafka TLS listener: Connect and the consumers, nobody else', () => {
    expect(network.allowed(connect, broker, 9093)).toBe(true);
    expect(network.allowed(consumer, broker, 9093)).toBe(true);
    expect(network.allowed(api, broker, 9093)).toBe(false);
    expect(network.allowed(connectBuild, broker, 9093)).toBe(false);
    expect(network.allowed(strangerInApps, broker, 9093)).toBe(false);
    expect(network.allowed(strangerElsewhere, broker, 9093)).toBe(false);
    // Consumers reach the listener only, never the replication or control-plane ports.
    expect(network.allowed(consumer, broker, 9091)).toBe(false);
    expect(network.allowed(consumer, broker, 9090)).toBe(false);
  });

  it('load balancer → API, on the API port only', () => {
    const lb = LOAD_BALANCER[name];
    expect(network.allowed({ ip: lb.inside }, api, config.api.port)).toBe(true);
    expect(network.allowed({ ip: lb.inside }, api, 9090)).toBe(false);
    if (lb.outside) expect(network.allowed({ ip: lb.outside }, api, config.api.port)).toBe(false);
    expect(network.allowed({ ip: lb.inside }, postgres, 5432)).toBe(false);
    expect(network.allowed({ ip: lb.inside }, consumer, 8080)).toBe(false);
  });

  it("Strimzi operator → the Kafka pods (control plane, replication, agent) and Connect's REST API", () => {
    for (const port of [9090, 9091, 8443]) expect(network.allowed(operator, broker, port), String(port)).toBe(true);
    expect(network.allowed(operator, connect, 8083)).toBe(true);
    expect(network.allowed(impostorOperator, connect, 8083)).toBe(false);
    expect(network.allowed(strangerInApps, connect, 8083)).toBe(false);
    expect(network.allowed(impostorOperator, broker, 9091)).toBe(false);
  });

  it('DNS egress for every pod whose egress is restricted, and nothing beyond its flows', () => {
    for (const pod of [postgres, api, consumer]) {
      expect(network.allowed(pod, dns, 53, 'UDP')).toBe(true);
      expect(network.allowed(pod, dns, 53, 'TCP')).toBe(true);
      expect(network.allowed(pod, { namespace: 'kube-system', labels: { app: 'metrics-server' } }, 53, 'UDP')).toBe(false);
    }
    // The backup tool reaches the cloud's object store (EKS, GKE); on minikube its repository is a volume.
    expect(network.allowed(postgres, INTERNET, 443)).toBe(name !== 'minikube');
    for (const m of METADATA) expect(network.allowed(postgres, m, 443), m.ip).toBe(false);
    expect(network.allowed(postgres, api, 8080)).toBe(false);
    expect(network.allowed(consumer, INTERNET, 443)).toBe(false);
    expect(network.allowed(consumer, postgres, 5432)).toBe(false);
    expect(network.allowed(api, INTERNET, 80)).toBe(false);
  });

  it("API → the cloud's HTTPS endpoints only where it has a cloud identity", () => {
    const hasIdentity = Boolean(config.eks?.apiRoleArn ?? config.gke?.apiServiceAccount);
    expect(network.allowed(api, INTERNET, 443)).toBe(hasIdentity);
    // HTTPS to the cloud's APIs, never to a metadata server's HTTPS port (GKE's identity uses its port 80 and 988).
    for (const m of METADATA) expect(network.allowed(api, m, 443), m.ip).toBe(false);
    if (name === 'gke') expect(network.allowed(api, { ip: '169.254.169.252' }, 988)).toBe(true);
  });

  describe("the streaming namespace's egress: each Strimzi pod reaches exactly its destinations", () => {
    const apiServer: External = { ip: API_SERVER[name].ip };
    const apiPort = API_SERVER[name].port;
    const otherWorker: Pod = { namespace: ns.streaming, labels: { ...connect.labels } };
    const controller: Pod = {
      namespace: ns.streaming,
      labels: {
        'strimzi.io/cluster': 'cdc',
        'strimzi.io/kind': 'Kafka',
        'strimzi.io/name': 'cdc-kafka',
        'strimzi.io/controller-role': 'true',
        'strimzi.io/pool-name': 'controller',
      },
    };
    const strangerInStreaming: Pod = { namespace: ns.streaming, labels: { app: 'debug-shell' } };
    const closedFor = (pod: Pod) => [
      network.egressAllowed(pod, INTERNET, 443),
      network.egressAllowed(pod, INTERNET, 80),
      ...METADATA.flatMap((m) => [network.egressAllowed(pod, m, 80), network.egressAllowed(pod, m, 443)]),
      network.egressAllowed(pod, api, config.api.port),
      network.egressAllowed(pod, strangerElsewhere, 8080),
    ];

    it("Connect workers: DNS, Postgres, the TLS listener, each other's REST API and the Kubernetes API; nothing else", () => {
      expect(network.egressAllowed(connect, dns, 53, 'UDP')).toBe(true);
      expect(network.egressAllowed(connect, postgres, 5432)).toBe(true);
      expect(network.egressAllowed(connect, broker, 9093)).toBe(true);
      expect(network.egressAllowed(connect, otherWorker, 8083)).toBe(true);
      expect(network.egressAllowed(connect, apiServer, apiPort)).toBe(true);
      expect(network.egressAllowed(connect, broker, 9091)).toBe(false);
      expect(network.egressAllowed(connect, postgres, 22)).toBe(false);
      expect(network.egressAllowed(connect, apiServer, 22)).toBe(false);
      expect(closedFor(connect)).toEqual(closedFor(connect).map(() => false));
    });

    it('the image build: DNS and HTTPS to the registry and Maven Central, never a metadata server', () => {
      const builds = Boolean(ofKind(objects, 'KafkaConnect')[0].spec.build);
      expect(network.egressAllowed(connectBuild, INTERNET, 443)).toBe(builds);
      expect(network.egressAllowed(connectBuild, dns, 53, 'UDP')).toBe(builds);
      for (const m of METADATA) for (const port of [80, 443]) expect(network.egressAllowed(connectBuild, m, port), `${m.ip}:${port}`).toBe(false);
      expect(network.egressAllowed(connectBuild, postgres, 5432)).toBe(false);
      expect(network.egressAllowed(connectBuild, broker, 9093)).toBe(false);
    });

    it('Kafka nodes: each other on the control-plane and replication ports, and the Kubernetes API (kubernetes-api-egress.test.ts derives why)', () => {
      for (const [from, to] of [
        [broker, controller],
        [controller, broker],
        [broker, broker],
      ]) {
        expect(network.egressAllowed(from, to, 9090)).toBe(true);
        expect(network.egressAllowed(from, to, 9091)).toBe(true);
      }
      expect(network.egressAllowed(broker, apiServer, apiPort)).toBe(true);
      expect(network.egressAllowed(controller, apiServer, apiPort)).toBe(true);
      expect(network.egressAllowed(broker, postgres, 5432)).toBe(false);
      expect(closedFor(broker)).toEqual(closedFor(broker).map(() => false));
      expect(closedFor(controller)).toEqual(closedFor(controller).map(() => false));
    });

    it('the entity operator: the replication port and the Kubernetes API', () => {
      expect(network.egressAllowed(entityOperator, broker, 9091)).toBe(true);
      expect(network.egressAllowed(entityOperator, apiServer, apiPort)).toBe(true);
      expect(network.egressAllowed(entityOperator, broker, 9090)).toBe(false);
      expect(closedFor(entityOperator)).toEqual(closedFor(entityOperator).map(() => false));
    });

    it('any other pod of the namespace reaches nothing, not even DNS', () => {
      expect(network.egressAllowed(strangerInStreaming, dns, 53, 'UDP')).toBe(false);
      expect(network.egressAllowed(strangerInStreaming, INTERNET, 443)).toBe(false);
      expect(network.egressAllowed(strangerInStreaming, broker, 9093)).toBe(false);
    });
  });

  it('the evaluator itself: with no policies everything flows, so the checks above can fail', () => {
    const open = new Network([], []);
    expect(open.allowed(strangerElsewhere, postgres, 5432)).toBe(true);
    expect(open.allowed(consumer, INTERNET, 443)).toBe(true);
  });
});

describe('the Kubernetes API server address', () => {
  it('gke has no default for it: a config without kubernetesApi fails, naming the field and why', () => {
    expect(() =>
      renderVariant('gke', (c) => {
        delete c.kubernetesApi;
      }),
    ).toThrow(/kubernetesApi.*is required on gke/s);
  });

  it('a configured address replaces the platform default', () => {
    const objects = objectsOf(
      renderVariant('eks', (c) => {
        c.kubernetesApi = { cidrs: ['10.20.99.0/28'], port: 6443 };
      }),
    );
    const egress = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'cdc-entity-operator-egress') as RenderedObject;
    expect(egress.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.99.0/28' } }], ports: [{ port: 6443, protocol: 'TCP' }] });
  });
});
