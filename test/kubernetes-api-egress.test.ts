import { describe, expect, it } from 'vitest';
import { connectorConfig, connectWorkerProperties, kafkaNodes, kafkaOf, nodeProperties } from '../e2e/harness/strimzi';
import { ENVIRONMENTS, objectsOf, ofKind, render, renderVariant } from './helpers';
import { External, Network, Pod, strimziListenerPolicy } from './network';
import { RenderedObject } from '../src/model/rendered-object';

/**
 * Who must reach the Kubernetes API, derived from the configs Strimzi 1.2.0 writes for the rendered
 * objects (e2e/harness/strimzi.ts): every component whose configuration holds a ${strimzisecrets:…}
 * reference resolves it through the API server, so the rendered NetworkPolicies must let each of its
 * pods reach every address the API server is dialled at. No hand-kept list of who needs it.
 */

/** Where each platform's pods reach the API server: its endpoint, and on EKS the kubernetes Service's ClusterIP (judged before translation). */
const API_SERVER: Record<(typeof ENVIRONMENTS)[number], (External & { port: number })[]> = {
  minikube: [{ ip: '192.168.49.2', port: 8443 }],
  eks: [
    { ip: '10.20.0.37', port: 443 },
    { ip: '10.100.0.1', port: 443 },
    { ip: '172.20.0.1', port: 443 },
  ],
  gke: [{ ip: '172.16.0.2', port: 443 }],
};

/** A component's pods and the configuration Strimzi writes for them. */
interface Component {
  readonly name: string;
  readonly pod: Pod;
  readonly config: string;
}

/** Every Kafka node and Connect cluster of the objects, with the labels Strimzi gives their pods and the config it writes. */
function strimziComponents(objects: readonly RenderedObject[]): Component[] {
  const kafka = kafkaOf(objects);
  const cluster = kafka.metadata.name;
  const namespace = kafka.metadata.namespace as string;
  const nodes = kafkaNodes(objects, cluster);
  const host = { addressOf: (id: number) => `10.0.0.${id + 1}`, dataDir: () => '/var/lib/kafka/data-0' };
  const nodeComponents = nodes.map((node) => ({
    name: `Kafka node ${node.id} (${node.pool})`,
    pod: {
      namespace,
      labels: {
        'strimzi.io/cluster': cluster,
        'strimzi.io/kind': 'Kafka',
        'strimzi.io/name': `${cluster}-kafka`,
        'strimzi.io/pool-name': node.pool,
        ...Object.fromEntries(node.roles.map((r) => [`strimzi.io/${r}-role`, 'true'])),
      },
    },
    config: nodeProperties(kafka, nodes, node, host),
  }));
  const connects = objects
    .filter((o) => o.kind === 'KafkaConnect')
    .map((connect) => {
      const connectors = objects.filter((o) => o.kind === 'KafkaConnector' && o.metadata.labels?.['strimzi.io/cluster'] === connect.metadata.name);
      const worker = connectWorkerProperties(connect, {
        bootstrapServers: 'b:9093',
        truststorePem: '/ca',
        restHost: 'w',
        restPort: 8083,
        pluginPath: '/p',
        secretsDir: '/s',
        kafkaHome: '/opt/kafka',
      });
      return {
        name: `KafkaConnect ${connect.metadata.name}`,
        pod: {
          namespace: connect.metadata.namespace as string,
          labels: { 'strimzi.io/cluster': connect.metadata.name, 'strimzi.io/kind': 'KafkaConnect', 'strimzi.io/name': `${connect.metadata.name}-connect` },
        },
        // The connectors' configs are resolved in the workers too.
        config: [worker, ...connectors.map((c) => JSON.stringify(connectorConfig(c).config))].join('\n'),
      };
    });
  return [...nodeComponents, ...connects];
}

describe.each(ENVIRONMENTS)('%s: every pod that resolves ${strimzisecrets:…} reaches the Kubernetes API', (name) => {
  const objects = objectsOf(render(name));
  const network = new Network([...ofKind(objects, 'NetworkPolicy'), strimziListenerPolicy(ofKind(objects, 'Kafka')[0])], ofKind(objects, 'Namespace'));
  const components = strimziComponents(objects as unknown as RenderedObject[]);
  const readers = components.filter((c) => c.config.includes('${strimzisecrets:'));

  it('every Kafka node and the Connect workers read Secrets through the API (derived, not listed)', () => {
    expect(readers.map((c) => c.name)).toEqual(components.map((c) => c.name));
    expect(readers.some((c) => c.pod.labels['strimzi.io/broker-role'])).toBe(true);
    expect(readers.some((c) => c.pod.labels['strimzi.io/kind'] === 'KafkaConnect')).toBe(true);
  });

  it.each(API_SERVER[name].map((api) => [`${api.ip}:${api.port}`, api] as const))('each of them reaches the API server at %s', (_, api) => {
    const refused = readers.filter((c) => !network.egressAllowed(c.pod, { ip: api.ip }, api.port)).map((c) => c.name);
    expect(refused).toEqual([]);
  });

  it('the entity operator (an operator: it watches topics and users) reaches it too', () => {
    const operator: Pod = { namespace: 'cdc-streaming', labels: { 'strimzi.io/cluster': 'cdc', 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': 'cdc-entity-operator' } };
    for (const api of API_SERVER[name]) expect(network.egressAllowed(operator, { ip: api.ip }, api.port), `${api.ip}:${api.port}`).toBe(true);
  });

  it('and nothing else there: another port of the API server, or the ClusterIP range beyond the kubernetes Service, stays closed', () => {
    for (const c of readers) expect(network.egressAllowed(c.pod, { ip: API_SERVER[name][0].ip }, 22), c.name).toBe(false);
    if (name === 'eks') for (const c of readers) expect(network.egressAllowed(c.pod, { ip: '10.100.0.2' }, 443), c.name).toBe(false);
  });
});

describe('eks: a configured Service CIDR admits exactly its kubernetes Service address', () => {
  it('the first address of eks.serviceIpv4Cidr, and neither default', () => {
    const objects = objectsOf(
      renderVariant('eks', (c) => {
        c.eks.serviceIpv4Cidr = '10.200.0.0/16';
      }),
    );
    const network = new Network(ofKind(objects, 'NetworkPolicy'), ofKind(objects, 'Namespace'));
    const broker: Pod = {
      namespace: 'cdc-streaming',
      labels: { 'strimzi.io/cluster': 'cdc', 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': 'cdc-kafka', 'strimzi.io/pool-name': 'broker', 'strimzi.io/broker-role': 'true' },
    };
    expect(network.egressAllowed(broker, { ip: '10.200.0.1' }, 443)).toBe(true);
    expect(network.egressAllowed(broker, { ip: '10.100.0.1' }, 443)).toBe(false);
  });
});
