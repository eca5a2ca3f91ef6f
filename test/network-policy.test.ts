import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, K8sObject, objectsOf, ofKind, render } from './helpers';
import { External, Network, Pod, strimziListenerPolicy } from './network';

/** Where each platform's load balancer sends traffic to the API's pods from, and an address it never uses. */
const LOAD_BALANCER: Record<(typeof ENVIRONMENTS)[number], { inside: string; outside?: string }> = {
  minikube: { inside: '192.168.49.1' },
  eks: { inside: '10.20.7.12', outside: '203.0.113.9' },
  gke: { inside: '35.191.12.34', outside: '203.0.113.9' },
};
const INTERNET: External = { ip: '198.51.100.20' };

describe.each(ENVIRONMENTS)('%s: the network admits exactly the flows the pipeline needs', (name) => {
  const rendered = render(name);
  const { config } = rendered.env;
  const objects = objectsOf(rendered);
  const kafka = ofKind(objects, 'Kafka')[0];
  const network = new Network([...ofKind(objects, 'NetworkPolicy'), strimziListenerPolicy(kafka)], ofKind(objects, 'Namespace'));
  const ns = { data: 'cdc-data', streaming: 'cdc-streaming', apps: 'cdc-apps' };
  const podOf = (kind: string, workload: string): Pod => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === workload) as K8sObject;
    return { namespace: o.metadata.namespace as string, labels: o.spec.template.metadata.labels };
  };
  const postgres = podOf('StatefulSet', 'postgres');
  const api = podOf('Deployment', config.api.name);
  const consumer = podOf('Deployment', config.consumers[0].name);
  // Strimzi's pods, with the labels Strimzi gives them.
  const broker: Pod = { namespace: ns.streaming, labels: { 'strimzi.io/cluster': 'cdc', 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': 'cdc-kafka', 'strimzi.io/broker-role': 'true', 'strimzi.io/pool-name': 'broker' } };
  const connect: Pod = { namespace: ns.streaming, labels: { 'strimzi.io/cluster': 'cdc-connect', 'strimzi.io/kind': 'KafkaConnect', 'strimzi.io/name': 'cdc-connect-connect' } };
  const connectBuild: Pod = { namespace: ns.streaming, labels: { 'strimzi.io/cluster': 'cdc-connect', 'strimzi.io/kind': 'KafkaConnect', 'strimzi.io/name': 'cdc-connect-connect-build' } };
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

  it('Strimzi operator → the Kafka pods (control plane, replication, agent) and Connect\'s REST API', () => {
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
    expect(network.allowed(postgres, INTERNET, 443)).toBe(false);
    expect(network.allowed(postgres, api, 8080)).toBe(false);
    expect(network.allowed(consumer, INTERNET, 443)).toBe(false);
    expect(network.allowed(consumer, postgres, 5432)).toBe(false);
    expect(network.allowed(api, INTERNET, 80)).toBe(false);
  });

  it('API → the cloud\'s HTTPS endpoints only where it has a cloud identity', () => {
    const hasIdentity = Boolean(config.eks?.apiRoleArn ?? config.gke?.apiServiceAccount);
    expect(network.allowed(api, INTERNET, 443)).toBe(hasIdentity);
    if (name === 'gke') expect(network.allowed(api, { ip: '169.254.169.252' }, 988)).toBe(true);
  });

  it('the evaluator itself: with no policies everything flows, so the checks above can fail', () => {
    const open = new Network([], []);
    expect(open.allowed(strangerElsewhere, postgres, 5432)).toBe(true);
    expect(open.allowed(consumer, INTERNET, 443)).toBe(true);
  });
});
