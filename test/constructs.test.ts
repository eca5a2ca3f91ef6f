import { describe, expect, it } from 'vitest';
import { KafkaAccess, KafkaCluster, KafkaConsumerApp, KafkaTopic, KafkaUser, Operation, RequiredSecret, ResourceType, WebService, WorkloadNetworkPolicy } from '../src';
import { parseProperties } from '../src/model/client-properties';
import { ConfigError } from '../src/config/errors';
import { resolveEnvironment } from '../src/platforms/resolve';
import { buildPipeline } from '../src/charts';
import type { KafkaClusterProps } from '../src/constructs/kafka/cluster';
import { envFile } from './helpers';
import { chartWith, clusterProps as baseClusterProps, resources } from './construct-fixtures';
import { configDefault } from '../src/model/config-defaults';

/**
 * Each public construct alone in a cdk8s Testing chart: what it renders from its props, and what
 * its methods add. The whole-environment suites check the composition; these check the parts.
 */
const clusterProps: KafkaClusterProps = { ...baseClusterProps, name: 'events', version: '4.3.1', metadataVersion: '4.3-IV0' };

describe('KafkaCluster', () => {
  it('renders the Kafka resource, its node pools and the bootstrap address clients use', () => {
    const { made: cluster, objects } = chartWith((chart) => new KafkaCluster(chart, 'Kafka', clusterProps));
    expect(cluster.bootstrapServers).toBe('events-kafka-bootstrap.streaming.svc:9093');
    const kinds = objects().map((o) => o.kind);
    expect(kinds).toContain('Kafka');
    expect(kinds).toContain('KafkaNodePool');
    expect(objects().find((o) => o.kind === 'Kafka')?.metadata.namespace).toBe('streaming');
  });
});

describe('KafkaTopic and KafkaUser', () => {
  it('a topic renders its partitions, replicas and config in the cluster namespace, labelled for its cluster', () => {
    const { objects } = chartWith((chart) => {
      const cluster = new KafkaCluster(chart, 'Kafka', clusterProps);
      return new KafkaTopic(chart, 'Orders', { cluster, topicName: 'orders', partitions: 6, replicas: 3, config: { 'min.insync.replicas': '2' }, component: 'cdc-topic' });
    });
    const topic = objects().find((o) => o.kind === 'KafkaTopic');
    expect(topic?.metadata).toMatchObject({ name: 'orders', namespace: 'streaming', labels: { 'strimzi.io/cluster': 'events' } });
    expect(topic?.spec).toEqual({ partitions: 6, replicas: 3, config: { 'min.insync.replicas': '2' } });
  });

  it('grantRead gives the user read and describe on exactly that topic; allowGroup its group; nothing else', () => {
    const { objects } = chartWith((chart) => {
      const cluster = new KafkaCluster(chart, 'Kafka', clusterProps);
      const topic = new KafkaTopic(chart, 'Orders', { cluster, topicName: 'orders', partitions: 1, replicas: 3, config: {}, component: 'cdc-topic' });
      const user = new KafkaUser(chart, 'Reader', { cluster, name: 'reader', acls: [], component: 'consumer' });
      topic.grantRead(user);
      user.allowGroup('reader-group');
    });
    const user = objects().find((o) => o.kind === 'KafkaUser');
    expect(user?.spec.authentication).toEqual({ type: 'scram-sha-512' });
    expect(user?.spec.authorization.acls).toEqual([
      { resource: { type: 'topic', name: 'orders', patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { resource: { type: 'group', name: 'reader-group', patternType: 'literal' }, operations: ['Read'] },
    ]);
  });

  it('a cluster-wide rule has no name and no pattern type', () => {
    const { objects } = chartWith((chart) => {
      const cluster = new KafkaCluster(chart, 'Kafka', clusterProps);
      new KafkaUser(chart, 'Writer', { cluster, name: 'writer', acls: [{ type: ResourceType.CLUSTER, operations: [Operation.IDEMPOTENT_WRITE] }], component: 'producer' });
    });
    expect(objects().find((o) => o.kind === 'KafkaUser')?.spec.authorization.acls).toEqual([{ resource: { type: 'cluster' }, operations: ['IdempotentWrite'] }]);
  });
});

describe('KafkaAccess', () => {
  it("points the Kafka Access Operator at the cluster's TLS listener and the user, and names the Secret it writes", () => {
    const { made: access, objects } = chartWith((chart) => {
      const cluster = new KafkaCluster(chart, 'Kafka', clusterProps);
      const user = new KafkaUser(chart, 'Reader', { cluster, name: 'reader', acls: [], component: 'consumer' });
      return new KafkaAccess(chart, 'Access', { name: 'reader-kafka', namespace: 'apps', cluster, user, labels: {} });
    });
    expect(access.secret.secretName).toBe('reader-kafka');
    expect(objects().find((o) => o.kind === 'KafkaAccess')?.spec).toEqual({
      kafka: { name: 'events', namespace: 'streaming', listener: 'tls' },
      user: { kind: 'KafkaUser', apiGroup: 'kafka.strimzi.io', name: 'reader', namespace: 'streaming' },
    });
  });
});

describe('WorkloadNetworkPolicy', () => {
  it('allows the listed flows, and DNS first wherever egress is restricted', () => {
    const { objects } = chartWith((chart) => {
      new WorkloadNetworkPolicy(chart, 'Policy', {
        name: 'app',
        namespace: 'apps',
        labels: {},
        podSelector: { app: 'x' },
        ingress: [],
        dns: [{ ports: [53], protocol: 'UDP' }],
        egress: [{ ports: [9093] }],
      });
    });
    const spec = objects()[0].spec;
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(spec.ingress).toEqual([]);
    expect(spec.egress.map((e: { ports: { port: number }[] }) => e.ports[0].port)).toEqual([53, 9093]);
  });

  it('refuses restricted egress without the DNS flows (the pods could not resolve the brokers)', () => {
    expect(() => chartWith((chart) => new WorkloadNetworkPolicy(chart, 'Policy', { name: 'app', namespace: 'apps', labels: {}, podSelector: {}, egress: [] }))).toThrow(
      /restricted egress needs the platform's DNS flows/,
    );
  });
});

describe('ConsumersChart.addConsumer: a consumer added in code is held to the file’s rules', () => {
  const input = {
    name: 'audit-log',
    image: { registry: 'ghcr.io', repository: 'example/audit-log', tag: '1.0.0' },
    tables: ['public.transactions'],
    resources,
  };

  it('gets the schema defaults a file entry gets', () => {
    const { consumers } = buildPipeline(resolveEnvironment(envFile('minikube')));
    consumers.addConsumer(input);
    const deployment = consumers.toJson().find((o: { kind: string; metadata: { name: string } }) => o.kind === 'Deployment' && o.metadata.name === 'audit-log');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.securityContext.runAsUser).toBe(10001);
  });

  it('is refused with the file, the field and the rule when it reads a table that is not captured', () => {
    const { consumers } = buildPipeline(resolveEnvironment(envFile('minikube')));
    expect(() => consumers.addConsumer({ ...input, tables: ['public.not_captured'] })).toThrow(ConfigError);
    expect(() => consumers.addConsumer({ ...input, tables: ['public.not_captured'] })).toThrow(/minikube\.yaml.*consumers\/2\/tables/);
  });

  it('is refused when its name is not a DNS label, as the schema says', () => {
    const { consumers } = buildPipeline(resolveEnvironment(envFile('minikube')));
    expect(() => consumers.addConsumer({ ...input, name: 'Audit_Log' })).toThrow(/consumers\/2\/name/);
  });
});

describe('caller metadata reaches every object a construct renders, and never replaces its own', () => {
  it('a topic and a user carry the caller labels and annotations; the cluster label stays the construct’s', () => {
    const { objects } = chartWith((chart) => {
      const cluster = new KafkaCluster(chart, 'Kafka', { ...clusterProps, metadata: { labels: { team: 'payments' }, annotations: { 'example.com/owner': 'ledger' } } });
      const metadata = { labels: { team: 'payments', 'strimzi.io/cluster': 'other' }, annotations: { 'example.com/owner': 'ledger' } };
      new KafkaTopic(chart, 'Orders', { cluster, topicName: 'orders', partitions: 1, replicas: 3, config: {}, component: 'cdc-topic', metadata });
      new KafkaUser(chart, 'Reader', { cluster, name: 'reader', acls: [], component: 'consumer', metadata });
    });
    const all = objects();
    expect(all.length).toBeGreaterThan(3);
    for (const o of all) {
      expect(o.metadata.labels?.team, `${o.kind} ${o.metadata.name}`).toBe('payments');
      expect(o.metadata.annotations?.['example.com/owner'], `${o.kind} ${o.metadata.name}`).toBe('ledger');
    }
    for (const o of all.filter((x) => x.kind === 'KafkaTopic' || x.kind === 'KafkaUser')) expect(o.metadata.labels?.['strimzi.io/cluster']).toBe('events');
  });
});

const app = {
  name: 'reader',
  namespace: 'apps',
  instance: 'test',
  image: 'ghcr.io/example/reader:1.0.0',
  version: '1.0.0',
  replicas: 2,
  port: 8080,
  runAsUser: 10001,
  readinessPath: '/ready',
  livenessPath: '/live',
  resources,
};

describe('KafkaConsumerApp', () => {
  it('renders its client config as a properties file the app loads, its access Secret as files, and a restricted workload', () => {
    const { objects } = chartWith((chart) => {
      const access = new RequiredSecret(chart, 'Access', { name: 'reader-kafka', namespace: 'apps', keys: ['sasl.jaas.config', 'ssl.truststore.crt'], purpose: 'test' });
      new KafkaConsumerApp(chart, 'Reader', {
        ...app,
        bootstrapServers: 'events-kafka-bootstrap.streaming.svc:9093',
        groupId: 'reader-group',
        topics: ['orders'],
        access,
        clientConfig: { 'isolation.level': 'read_committed', 'enable.auto.commit': false },
      });
    });
    const map = objects().find((o) => o.kind === 'ConfigMap');
    const properties = parseProperties(map?.data['client.properties']);
    expect(properties).toMatchObject({
      'bootstrap.servers': 'events-kafka-bootstrap.streaming.svc:9093',
      'group.id': 'reader-group',
      'isolation.level': 'read_committed',
      'enable.auto.commit': 'false',
    });
    // The password is never in the config: the JAAS line comes from the mounted Secret.
    expect(map?.data['client.properties']).not.toMatch(/password=/);
    const pod = objects().find((o) => o.kind === 'Deployment')?.spec.template.spec;
    expect(pod.containers[0].env).toContainEqual({ name: 'KAFKA_CLIENT_CONFIG', value: '/etc/kafka/client/client.properties' });
    expect(pod.volumes.some((v: { secret?: { secretName: string } }) => v.secret?.secretName === 'reader-kafka')).toBe(true);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });
});

describe('KafkaConsumerApp built with its cluster and KafkaUser, and topic.grantRead(app)', () => {
  // Only what a caller must give: the workload settings come from the schema's defaults.
  const required = { namespace: app.namespace, instance: app.instance, image: app.image, version: app.version, resources };
  const build = (grant: (topic: KafkaTopic, app: KafkaConsumerApp) => void) =>
    chartWith((chart) => {
      const cluster = new KafkaCluster(chart, 'Kafka', clusterProps);
      const topic = new KafkaTopic(chart, 'Orders', { cluster, topicName: 'orders', partitions: 1, replicas: 3, config: {}, component: 'cdc-topic' });
      const user = new KafkaUser(chart, 'Reader', { cluster, name: 'billing', acls: [], component: 'consumer' });
      const reader = new KafkaConsumerApp(chart, 'Billing', { ...required, name: 'billing', groupId: 'billing', topics: ['orders'], clientConfig: {}, kafka: { cluster, user } });
      grant(topic, reader);
    }).objects();

  it("gives the app's KafkaUser the topic and its group, its KafkaAccess the credentials, and its pods the listener; twice is once", () => {
    const objects = build((topic, reader) => {
      topic.grantRead(reader);
      topic.grantRead(reader);
    });
    expect(objects.find((o) => o.kind === 'KafkaUser')?.spec.authorization.acls).toEqual([
      { resource: { type: 'topic', name: 'orders', patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { resource: { type: 'group', name: 'billing', patternType: 'literal' }, operations: ['Read'] },
    ]);
    const access = objects.find((o) => o.kind === 'KafkaAccess');
    expect(access?.metadata).toMatchObject({ name: 'billing-kafka', namespace: 'apps' });
    expect(access?.spec.user).toMatchObject({ kind: 'KafkaUser', name: 'billing', namespace: 'streaming' });
    const pod = objects.find((o) => o.kind === 'Deployment')?.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'kafka-access', secret: { secretName: 'billing-kafka', defaultMode: 0o440 } });
    const peers = objects.find((o) => o.kind === 'Kafka')?.spec.kafka.listeners[0].networkPolicyPeers;
    const selector = objects.find((o) => o.kind === 'Deployment')?.spec.selector.matchLabels;
    expect(peers).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } }, podSelector: { matchLabels: selector } }]);
    expect(parseProperties(objects.find((o) => o.kind === 'ConfigMap')?.data['client.properties'])['bootstrap.servers']).toBe('events-kafka-bootstrap.streaming.svc:9093');
  });

  it("takes the workload settings it is not given from the config schema's defaults", () => {
    const pod = build(() => {}).find((o) => o.kind === 'Deployment');
    expect(pod?.spec.replicas).toBe(configDefault('consumers[].replicas'));
    expect(pod?.spec.template.spec.securityContext.runAsUser).toBe(configDefault('consumers[].runAsUser'));
    expect(pod?.spec.template.spec.containers[0].ports[0].containerPort).toBe(configDefault('consumers[].port'));
    expect(pod?.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe(configDefault('consumers[].probes.readinessPath'));
  });

  it('without the topic grant the listener admits nobody and the user may read nothing', () => {
    const objects = build(() => {});
    expect(objects.find((o) => o.kind === 'Kafka')?.spec.kafka.listeners[0].networkPolicyPeers).toEqual([]);
    expect(objects.find((o) => o.kind === 'KafkaUser')?.spec.authorization.acls).toEqual([]);
  });

  it('an app built without its KafkaUser cannot be granted to, and says how to build it', () => {
    expect(() =>
      chartWith((chart) => {
        const cluster = new KafkaCluster(chart, 'Kafka', clusterProps);
        const topic = new KafkaTopic(chart, 'Orders', { cluster, topicName: 'orders', partitions: 1, replicas: 3, config: {}, component: 'cdc-topic' });
        const access = new RequiredSecret(chart, 'Access', { name: 'reader-kafka', namespace: 'apps', keys: ['sasl.jaas.config', 'ssl.truststore.crt'], purpose: 'test' });
        const reader = new KafkaConsumerApp(chart, 'Reader', { ...app, bootstrapServers: 'x:9093', groupId: 'g', topics: ['orders'], access, clientConfig: {} });
        topic.grantRead(reader);
      }),
    ).toThrow('topic orders: the reader has no KafkaUser to grant to (build the app with kafka: { cluster, user })');
  });
});

describe('WebService', () => {
  it('renders the workload behind a Service on its port, probed on its paths', () => {
    const { objects } = chartWith((chart) => new WebService(chart, 'Api', { ...app, name: 'api', component: 'api' }));
    const service = objects().find((o) => o.kind === 'Service');
    const container = objects().find((o) => o.kind === 'Deployment')?.spec.template.spec.containers[0];
    expect(service?.spec.ports[0].targetPort).toBeDefined();
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/live');
    expect(objects().some((o) => o.kind === 'PodDisruptionBudget')).toBe(true);
  });
});
