import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STRIMZI_JMX_EXPORTER_VERSION } from '../src/model/strimzi';
import { describe, expect, it } from 'vitest';
import { adminPlan, connectorConfig, connectWorkerProperties, kafkaNodes, kafkaOf, nodeProperties } from '../e2e/harness/strimzi';
import { objectsOf, render, ROOT } from './helpers';
import { RenderedObject } from '../src/model/rendered-object';

/** The e2e harness's translation of the rendered objects into what Strimzi's operators make of them. */
const objects = objectsOf(render('eks')) as unknown as RenderedObject[];
const kafka = kafkaOf(objects);
const nodes = kafkaNodes(objects, kafka.metadata.name);
const host = { addressOf: (id: number) => `127.9.9.${10 + id}`, dataDir: (id: number) => `/d/${id}` };
const props = (text: string) =>
  new Map(
    text
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );

describe('Kafka CR and node pools → server.properties', () => {
  it('numbers the nodes pool by pool, with their roles', () => {
    expect(nodes.map((n) => `${n.id}:${n.roles.join('+')}`)).toEqual(['0:broker', '1:broker', '2:broker', '3:controller', '4:controller', '5:controller']);
  });

  it('a broker: KRaft voters are the controllers, the rendered listener with SCRAM over TLS, StandardAuthorizer, spec.kafka.config verbatim', () => {
    const broker = props(nodeProperties(kafka, nodes, nodes[0], host));
    expect(broker.get('process.roles')).toBe('broker');
    expect(broker.get('controller.quorum.voters')).toBe('3@127.9.9.13:9090,4@127.9.9.14:9090,5@127.9.9.15:9090');
    expect(broker.get('listener.security.protocol.map')).toBe('CONTROLPLANE-9090:SSL,REPLICATION-9091:SSL,TLS-9093:SASL_SSL');
    expect(broker.get('listener.name.tls-9093.sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
    expect(broker.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(broker.get('super.users')).toContain('User:CN=cdc-kafka,O=io.strimzi');
    for (const [key, value] of Object.entries(kafka.spec.kafka.config)) expect(broker.get(key), key).toBe(String(value));
  });

  it("every node reads its certificate and the cluster CA through strimzisecrets, under Strimzi 1.2.0's Secret names", () => {
    for (const node of [nodes[0], nodes[3]]) {
      const config = props(nodeProperties(kafka, nodes, node, host));
      const pod = `cdc-${node.pool}-${node.id}`;
      expect(config.get('listener.name.controlplane-9090.ssl.keystore.certificate.chain')).toBe(`\${strimzisecrets:cdc-streaming/${pod}:${pod}.crt}`);
      expect(config.get('listener.name.controlplane-9090.ssl.keystore.key')).toBe(`\${strimzisecrets:cdc-streaming/${pod}:${pod}.key}`);
      expect(config.get('listener.name.controlplane-9090.ssl.truststore.certificates')).toBe('${strimzisecrets:cdc-streaming/cdc-trustbundle:cluster-ca.crt}');
      expect(config.get('config.providers')).toBe(node.roles.includes('broker') ? 'strimzienv,strimzisecrets,strimzifile,strimzidir' : 'strimzienv,strimzisecrets');
    }
    expect(props(nodeProperties(kafka, nodes, nodes[0], host)).get('listener.name.tls-9093.ssl.keystore.certificate.chain')).toBe(
      '${strimzisecrets:cdc-streaming/cdc-broker-0:cdc-broker-0.crt}',
    );
  });

  it('a controller listens only on the control plane', () => {
    const controller = props(nodeProperties(kafka, nodes, nodes[3], host));
    expect(controller.get('process.roles')).toBe('controller');
    expect(controller.get('listeners')).toBe('CONTROLPLANE-9090://127.9.9.13:9090');
    expect(controller.has('inter.broker.listener.name')).toBe(false);
  });
});

describe('KafkaTopics and KafkaUsers → Admin API calls', () => {
  const plan = adminPlan(objects, (user) => `pw-${user}`);

  it('creates every KafkaTopic by its topic name, with its partitions, replicas and config', () => {
    const heartbeat = plan.topics.find((t) => t.name.startsWith('__debezium-heartbeat'));
    expect(heartbeat).toMatchObject({ partitions: 1, replicas: 3, config: { 'min.insync.replicas': '2' } });
    expect(plan.topics).toHaveLength(objects.filter((o) => o.kind === 'KafkaTopic').length);
  });

  it("maps Strimzi ACL names to Kafka's, one binding per operation", () => {
    const connect = plan.users.find((u) => u.name === 'cdc-connect');
    expect(connect?.acls).toContainEqual({ resourceType: 'TRANSACTIONAL_ID', name: 'cdc-connect', patternType: 'PREFIXED', operation: 'WRITE', host: '*' });
    expect(connect?.acls).toContainEqual({ resourceType: 'CLUSTER', name: 'kafka-cluster', patternType: 'LITERAL', operation: 'IDEMPOTENT_WRITE', host: '*' });
    expect(connect?.acls).toContainEqual({ resourceType: 'TOPIC', name: 'cdc-connect-offsets', patternType: 'LITERAL', operation: 'DESCRIBE_CONFIGS', host: '*' });
  });
});

describe('KafkaConnect and KafkaConnector → worker config and REST body', () => {
  const connect = objects.find((o) => o.kind === 'KafkaConnect') as RenderedObject;
  const worker = props(
    connectWorkerProperties(connect, {
      bootstrapServers: 'b:9093',
      truststorePem: '/ca',
      restHost: '127.0.0.1',
      restPort: 8083,
      pluginPath: '/p',
      secretsDir: '/s',
      kafkaHome: '/o',
    }),
  );

  it("spec.config verbatim, Strimzi's group and storage topics, SCRAM as the Connect user through strimzisecrets", () => {
    for (const [key, value] of Object.entries(connect.spec.config)) {
      // Provider paths in the image's /opt/kafka point at its stand-in directory.
      expect(worker.get(key), key).toBe(key.endsWith('.param.allowed.paths') ? String(value).replace('/opt/kafka', '/o') : String(value));
    }
    expect(worker.get('config.providers.strimzifile.param.allowed.paths')).toBe('/o');
    expect(worker.get('group.id')).toBe(connect.spec.groupId);
    expect(worker.get('offset.storage.topic')).toBe(connect.spec.offsetStorageTopic);
    expect(worker.get('producer.sasl.jaas.config')).toContain('username="cdc-connect" password="${strimzisecrets:cdc-streaming/cdc-connect:password}"');
    expect(worker.get('security.protocol')).toBe('SASL_SSL');
  });

  it('the connector config is posted verbatim; only the database address changes', () => {
    const connector = objects.find((o) => o.kind === 'KafkaConnector') as RenderedObject;
    const { config } = connectorConfig(connector, { 'database.hostname': '127.0.0.1', 'database.port': '5999' });
    expect(config['database.password']).toBe(connector.spec.config['database.password']);
    expect(config['exactly.once.support']).toBe('required');
    expect(config['database.hostname']).toBe('127.0.0.1');
  });
});

describe('the e2e Maven project takes the versions the config names', () => {
  const pom = readFileSync(join(ROOT, 'e2e', 'java', 'pom.xml'), 'utf8');
  const property = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(pom)?.[1];

  it('Kafka and Debezium as the rendered EKS objects name them', () => {
    const connect = objects.find((o) => o.kind === 'KafkaConnect') as RenderedObject;
    expect(property('kafka.version')).toBe(kafka.spec.kafka.version);
    expect(connect.spec.build.plugins[0].artifacts[0].url).toContain(`/debezium-connector-postgres-${property('debezium.version')}-plugin.tar.gz`);
  });

  it("the JMX exporter's collector at the version Strimzi 1.2.0's images attach", () => {
    expect(property('jmx-exporter.version')).toBe(STRIMZI_JMX_EXPORTER_VERSION);
  });
});
