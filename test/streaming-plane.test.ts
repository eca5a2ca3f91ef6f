import { DEBEZIUM_PLUGIN_SHA512 } from '../src/model/debezium-plugin';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, RenderedObject, objectsOf, ofKind, reconcileTarget, render, renderVariant } from './helpers';
import { parseProperties } from '../src/model/client-properties';

const only = (objects: RenderedObject[], kind: string): RenderedObject => {
  const found = ofKind(objects, kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
};
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

describe.each(ENVIRONMENTS)('%s: the Kafka cluster', (name) => {
  const objects = objectsOf(render(name));
  const kafka = only(objects, 'Kafka');
  const pools = ofKind(objects, 'KafkaNodePool');

  it('is KRaft on node pools, with version and metadata version pinned from config', () => {
    expect(kafka.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(kafka.spec.kafka.version).toBe('4.3.1');
    expect(kafka.spec.kafka.metadataVersion).toBe('4.3-IV0');
    expect(kafka.spec.kafka.replicas).toBeUndefined();
    expect(kafka.spec.kafka.storage).toBeUndefined();
    expect(kafka.spec.zookeeper).toBeUndefined();
    for (const pool of pools) expect(pool.metadata.labels?.['strimzi.io/cluster']).toBe(kafka.metadata.name);
  });

  it('has at least three brokers and a KRaft quorum of three', () => {
    const broker = pools.find((p) => p.spec.roles.includes('broker'));
    expect(broker?.spec.replicas).toBeGreaterThanOrEqual(3);
    const controllers = pools.filter((p) => p.spec.roles.includes('controller'));
    expect(controllers.reduce((n, p) => n + p.spec.replicas, 0)).toBe(3);
    const dedicated = name !== 'minikube';
    expect(pools.map((p) => p.metadata.name).sort()).toEqual(dedicated ? ['broker', 'controller'] : ['broker']);
  });

  it('stores data on persistent JBOD volumes of the platform storage class, sharing KRaft metadata', () => {
    const storageClass = { minikube: 'standard', eks: 'cdc8s-gp3', gke: 'cdc8s-pd' }[name];
    for (const pool of pools) {
      expect(pool.spec.storage.type).toBe('jbod');
      expect(pool.spec.storage.volumes).toEqual([
        expect.objectContaining({
          id: 0,
          type: 'persistent-claim',
          class: storageClass,
          deleteClaim: false,
          kraftMetadata: 'shared',
        }),
      ]);
      expect(pool.spec.resources.requests).toBeDefined();
      expect(pool.spec.resources.limits).toBeDefined();
    }
  });

  it('listens only on TLS with SCRAM-SHA-512, authorizes with ACLs, and runs both entity operators', () => {
    expect(kafka.spec.kafka.listeners).toHaveLength(1);
    expect(kafka.spec.kafka.listeners[0]).toMatchObject({ type: 'internal', tls: true, port: 9093, authentication: { type: 'scram-sha-512' } });
    // Exactly Connect's pods and the consumer apps' pods (network-policy.test.ts tests the flows).
    expect(kafka.spec.kafka.listeners[0].networkPolicyPeers).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cdc-streaming' } },
        podSelector: { matchLabels: { 'strimzi.io/cluster': 'cdc-connect', 'strimzi.io/kind': 'KafkaConnect', 'strimzi.io/name': 'cdc-connect-connect' } },
      },
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cdc-apps' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/component': 'consumer', 'app.kubernetes.io/instance': name } },
      },
    ]);
    expect(kafka.spec.kafka.authorization).toEqual({ type: 'simple' });
    expect(Object.keys(kafka.spec.entityOperator).sort()).toEqual(['template', 'topicOperator', 'userOperator']);
  });

  it('is rack aware where nodes are spread over zones', () => {
    const rack = kafka.spec.kafka.rack;
    if (name === 'minikube') expect(rack).toBeUndefined();
    else expect(rack).toEqual({ topologyKey: 'topology.kubernetes.io/zone' });
    expect(kafka.spec.kafka.template.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
  });

  it('leaves fsync to replication (no log.flush.* settings)', () => {
    expect(Object.keys(kafka.spec.kafka.config).filter((k) => k.startsWith('log.flush'))).toEqual([]);
  });
});

/** The transaction metadata topic, in the environments that turn capture.transactionMetadata on (eks). */
const transactionTopic = (env: string) => (env === 'eks' ? ['cdc.transaction'] : []);

describe.each(ENVIRONMENTS)('%s: topics and users', (name) => {
  const objects = objectsOf(render(name));
  const topics = ofKind(objects, 'KafkaTopic');
  const topicName = (t: RenderedObject) => t.spec.topicName ?? t.metadata.name;
  const users = ofKind(objects, 'KafkaUser');
  const acls = (user: string) => users.find((u) => u.metadata.name === user)?.spec.authorization.acls as RenderedObject[];

  it("declares a topic per captured table, the heartbeat topic and Connect's three internal topics", () => {
    expect(topics.map(topicName).sort()).toEqual([
      '__debezium-heartbeat.cdc',
      'cdc-connect-configs',
      'cdc-connect-offsets',
      'cdc-connect-status',
      'cdc.public.accounts',
      'cdc.public.transactions',
      ...transactionTopic(name),
    ]);
    for (const t of topics) {
      expect(t.metadata.name).toMatch(DNS_SUBDOMAIN);
      expect(t.metadata.namespace).toBe('cdc-streaming');
      expect(t.metadata.labels?.['strimzi.io/cluster']).toBe('cdc');
    }
  });

  it("compacts Connect's internal topics with Connect's partition counts", () => {
    const byName = new Map(topics.map((t) => [topicName(t), t.spec]));
    expect(byName.get('cdc-connect-configs')).toMatchObject({ partitions: 1, config: { 'cleanup.policy': 'compact' } });
    expect(byName.get('cdc-connect-offsets')).toMatchObject({ partitions: 25, config: { 'cleanup.policy': 'compact' } });
    expect(byName.get('cdc-connect-status')).toMatchObject({ partitions: 5, config: { 'cleanup.policy': 'compact' } });
    expect(byName.get('cdc.public.transactions')).toMatchObject({ partitions: 6 });
  });

  it('gives Kafka Connect exactly the ACLs exactly-once CDC needs', () => {
    const rules = acls('cdc-connect').map((a) => `${a.resource.type}:${a.resource.name ?? '*'}:${a.resource.patternType ?? ''}=${a.operations.join('+')}`);
    expect(rules.sort()).toEqual([
      'cluster:*:=IdempotentWrite',
      'group:cdc-connect:literal=Read',
      'topic:__debezium-heartbeat.cdc:literal=Write+Describe',
      'topic:cdc-connect-configs:literal=Read+Write+Describe+DescribeConfigs',
      'topic:cdc-connect-offsets:literal=Read+Write+Describe+DescribeConfigs',
      'topic:cdc-connect-status:literal=Read+Write+Describe+DescribeConfigs',
      'topic:cdc.public.accounts:literal=Write+Describe',
      'topic:cdc.public.transactions:literal=Write+Describe',
      ...transactionTopic(name).map((t) => `topic:${t}:literal=Write+Describe`),
      'transactionalId:cdc-connect:prefix=Write+Describe',
      'transactionalId:connect-cluster-cdc-connect:literal=Write+Describe',
    ]);
  });

  it('gives each consumer Read/Describe on its own topics and Read on its own group, nothing else', () => {
    const fraud = acls('fraud-scorer').map((a) => `${a.resource.type}:${a.resource.name}=${a.operations.join('+')}`);
    expect(fraud).toEqual(['topic:cdc.public.transactions=Read+Describe', ...transactionTopic(name).map((t) => `topic:${t}=Read+Describe`), 'group:fraud-scorer=Read']);
    for (const user of users) {
      expect(user.spec.authentication).toEqual({ type: 'scram-sha-512' });
      for (const acl of user.spec.authorization.acls) {
        expect(acl.operations).not.toContain('All');
        expect(acl.operations).not.toContain('Create');
        expect(acl.operations).not.toContain('Delete');
        expect(acl.resource.name ?? '').not.toBe('*');
      }
    }
  });
});

describe('topic names that are not Kubernetes names', () => {
  const objects = objectsOf(
    renderVariant('minikube', (c) => {
      c.capture.tables = [
        { schema: 'public', table: 'Ledger_Entries' },
        { schema: 'public', table: 'ledger_entries' },
      ];
      c.consumers = [];
    }),
  );
  const topics = ofKind(objects, 'KafkaTopic').filter((t) => t.spec.topicName?.startsWith('cdc.'));

  it('keep the real name in spec.topicName under a valid, distinct resource name', () => {
    expect(topics.map((t) => t.spec.topicName).sort()).toEqual(['cdc.public.Ledger_Entries', 'cdc.public.ledger_entries']);
    for (const t of topics) expect(t.metadata.name).toMatch(DNS_SUBDOMAIN);
    expect(new Set(topics.map((t) => t.metadata.name)).size).toBe(2);
  });
});

describe.each(ENVIRONMENTS)('%s: Kafka Connect', (name) => {
  const objects = objectsOf(render(name));
  const connect = only(objects, 'KafkaConnect');
  const kafka = only(objects, 'Kafka');

  it('is managed through KafkaConnector resources and joins the cluster as its KafkaUser over TLS', () => {
    expect(connect.metadata.annotations?.['strimzi.io/use-connector-resources']).toBe('true');
    expect(connect.spec.bootstrapServers).toBe('cdc-kafka-bootstrap.cdc-streaming.svc:9093');
    expect(connect.spec.tls.trustedCertificates).toEqual([{ secretName: `${kafka.metadata.name}-cluster-ca-cert`, certificate: 'ca.crt' }]);
    expect(connect.spec.authentication).toMatchObject({ type: 'scram-sha-512', username: 'cdc-connect', passwordSecret: { secretName: 'cdc-connect', password: 'password' } });
    expect(ofKind(objects, 'KafkaUser').map((u) => u.metadata.name)).toContain(connect.spec.authentication.username);
  });

  it('uses the group and internal topics the KafkaTopics declare', () => {
    const declared = ofKind(objects, 'KafkaTopic').map((t) => t.spec.topicName ?? t.metadata.name);
    expect(connect.spec.groupId).toBe('cdc-connect');
    for (const key of ['configStorageTopic', 'offsetStorageTopic', 'statusStorageTopic']) expect(declared).toContain(connect.spec[key]);
  });

  it('builds the Debezium Postgres plugin from Maven Central into the platform registry (or runs the image built from the same archive)', () => {
    if (name === 'minikube') {
      expect(connect.spec.build).toBeUndefined();
      expect(connect.spec.image).toBe('cdc8s.local/kafka-connect-debezium:4.3.1-debezium-3.7.0.Final');
      return;
    }
    const { output, plugins } = connect.spec.build;
    expect(plugins).toEqual([
      {
        name: 'debezium-postgres',
        artifacts: [
          {
            type: 'tgz',
            url: 'https://repo1.maven.org/maven2/io/debezium/debezium-connector-postgres/3.7.0.Final/debezium-connector-postgres-3.7.0.Final-plugin.tar.gz',
            sha512sum: DEBEZIUM_PLUGIN_SHA512['3.7.0.Final'],
          },
        ],
      },
    ]);
    const registry = { eks: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdc8s', gke: 'europe-west1-docker.pkg.dev/cdc8s-prod/cdc8s' }[name];
    expect(output).toEqual({
      type: 'docker',
      image: expect.stringMatching(new RegExp(`^${registry}/kafka-connect-debezium:4\\.3\\.1-debezium-3\\.7\\.0\\.Final-[0-9a-f]{12}$`)),
      pushSecret: 'cdc-connect-registry-push',
    });
    // Buildah ignores cloud identities: the build pod gets none; the push Secret's generator has it.
    expect(connect.spec.template.buildServiceAccount).toBeUndefined();
  });

  it('lets its ServiceAccount get exactly the Debezium password Secret, nothing more', () => {
    const role = only(objects, 'Role');
    const binding = only(objects, 'RoleBinding');
    expect(role.metadata.namespace).toBe('cdc-data');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['postgres-debezium'], verbs: ['get'] }]);
    expect(binding.metadata.namespace).toBe('cdc-data');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'cdc-connect-connect', namespace: 'cdc-streaming' }]);
  });
});

describe('Kafka Connect build options from config', () => {
  const connect = only(
    objectsOf(
      renderVariant('eks', (c) => {
        c.connect.pluginSha512 = 'a'.repeat(128);
        c.connect.build = { registry: 'registry.example.com/team', pushSecret: 'registry-push' };
        c.connect.debeziumVersion = '3.7.1.Final';
      }),
    ),
    'KafkaConnect',
  );

  it('pins the plugin checksum, the version and the push secret', () => {
    expect(connect.spec.build.plugins[0].artifacts[0]).toMatchObject({
      sha512sum: 'a'.repeat(128),
      url: expect.stringContaining('/3.7.1.Final/debezium-connector-postgres-3.7.1.Final-plugin.tar.gz'),
    });
    expect(connect.spec.build.output).toEqual({
      type: 'docker',
      image: expect.stringMatching(/^registry\.example\.com\/team\/kafka-connect-debezium:4\.3\.1-debezium-3\.7\.1\.Final-[0-9a-f]{12}$/),
      pushSecret: 'registry-push',
    });
  });
});

describe.each(ENVIRONMENTS)('%s: the Debezium connector agrees with the database it reads', (name) => {
  const rendered = render(name);
  const objects = objectsOf(rendered);
  const connector = only(objects, 'KafkaConnector');
  const config = connector.spec.config;
  const target = reconcileTarget(rendered);
  const service = ofKind(objects, 'Service').find((s) => s.metadata.name === 'postgres') as RenderedObject;

  it('runs one task of the Postgres connector on our Connect, with state and restarts set', () => {
    expect(connector.metadata.labels?.['strimzi.io/cluster']).toBe('cdc-connect');
    expect(connector.spec).toMatchObject({ class: 'io.debezium.connector.postgresql.PostgresConnector', tasksMax: 1, state: 'running', autoRestart: { enabled: true } });
    expect(config['plugin.name']).toBe('pgoutput');
    expect(config['snapshot.mode']).toBe('initial');
    expect(config['heartbeat.interval.ms']).toBe(10000);
    expect(config['exactly.once.support']).toBe('required');
  });

  it('connects to the Postgres Service, database and replication role the image creates', () => {
    expect(config['database.hostname']).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`);
    expect(config['database.port']).toBe(service.spec.ports[0].port);
    expect(target.database).toBe(config['database.dbname']);
    expect(target.debeziumUser).toBe(config['database.user']);
  });

  it('reads the publication the reconcile keeps, never creating its own, for exactly its tables and the signal table', () => {
    expect(config['publication.autocreate.mode']).toBe('disabled');
    expect(target.publication).toBe(config['publication.name']);
    const tables = (config['table.include.list'] as string).split(',').map((t) => t.replace('\\.', '.'));
    expect(tables.sort()).toEqual(['public.accounts', 'public.transactions']);
    // The reconcile publishes (and lets Debezium read) exactly these, and the signal table beside them.
    const name = ({ schema, table }: { schema: string; table: string }) => `${schema}.${table}`;
    expect(target.tables.map(name).sort()).toEqual(tables);
    expect(name(target.signalTable)).toBe(config['signal.data.collection']);
    expect(config['signal.data.collection']).toBe('cdc8s.debezium_signal');
    expect(config['slot.name']).toBe('cdc8s_slot');
  });

  it('writes to the topics the KafkaTopics declare', () => {
    const declared = ofKind(objects, 'KafkaTopic').map((t) => t.spec.topicName ?? t.metadata.name);
    for (const table of (config['table.include.list'] as string).split(',')) expect(declared).toContain(`${config['topic.prefix']}.${table.replace('\\.', '.')}`);
    expect(declared).toContain(`__debezium-heartbeat.${config['topic.prefix']}`);
  });

  it('reads its password through the config provider, from the Secret Connect may read', () => {
    const role = only(objects, 'Role');
    expect(config['database.password']).toBe(`\${strimzisecrets:${role.metadata.namespace}/${role.rules[0].resourceNames[0]}:password}`);
  });
});

describe.each(ENVIRONMENTS)('%s: consumers', (name) => {
  const objects = objectsOf(render(name));
  const kafka = only(objects, 'Kafka');
  const deployments = ofKind(objects, 'Deployment').filter((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'consumer');
  const clientConfig = (consumer: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${consumer}-kafka-client`) as RenderedObject;

  it('run as Deployments in the apps namespace, one per configured consumer', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['fraud-scorer', 'ledger-projector']);
    for (const d of deployments) expect(d.metadata.namespace).toBe('cdc-apps');
  });

  it('read committed data over SCRAM/TLS and commit offsets themselves', () => {
    const props = parseProperties(clientConfig('ledger-projector').data['client.properties']);
    expect(props).toMatchObject({
      'bootstrap.servers': `${kafka.metadata.name}-kafka-bootstrap.cdc-streaming.svc:9093`,
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'group.id': 'ledger-projector',
      'enable.auto.commit': 'false',
      'isolation.level': 'read_committed',
      'auto.offset.reset': 'earliest',
      'sasl.jaas.config': '${dir:/etc/kafka/access:sasl.jaas.config}',
      'ssl.truststore.location': '/etc/kafka/access/ssl.truststore.crt',
    });
    expect(clientConfig('ledger-projector').data.topics).toBe(['cdc.public.transactions', 'cdc.public.accounts', ...transactionTopic(name)].join(','));
  });

  it('mount their KafkaUser credentials and the cluster CA from the Secret of their KafkaAccess, read-only', () => {
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const volumes = Object.fromEntries(pod.volumes.map((v: RenderedObject) => [v.name, v]));
      const access = ofKind(objects, 'KafkaAccess').find((a) => a.metadata.name === volumes['kafka-access'].secret.secretName) as RenderedObject;
      expect(access.metadata.namespace).toBe(d.metadata.namespace);
      expect(access.spec.user).toEqual({ kind: 'KafkaUser', apiGroup: 'kafka.strimzi.io', name: d.metadata.name, namespace: 'cdc-streaming' });
      expect(access.spec.kafka).toEqual({ name: kafka.metadata.name, namespace: 'cdc-streaming', listener: 'tls' });
      const mounts = pod.containers[0].volumeMounts.filter((m: RenderedObject) => m.name !== 'tmp');
      for (const m of mounts) expect(m.readOnly).toBe(true);
    }
  });

  it('are production workloads: probes, resources, restricted security, and a PDB when replicated', () => {
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const container = pod.containers[0];
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.livenessProbe.httpGet.path).toBe('/livez');
      expect(container.resources.limits.memory).toBeDefined();
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
      expect(pod.automountServiceAccountToken).toBe(false);
      const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === d.metadata.name);
      if (d.spec.replicas >= 2) expect(pdb).toBeDefined();
      else expect(pdb).toBeUndefined();
    }
  });

  it('roll their pods when the client config changes', () => {
    const annotation = (o: RenderedObject[]) =>
      ofKind(o, 'Deployment').find((d) => d.metadata.name === 'fraud-scorer')?.spec.template.metadata.annotations['cdc8s.io/client-config-sha256'];
    const changed = objectsOf(
      renderVariant(name, (c) => {
        c.consumers[1].config = { 'max.poll.records': 100 };
      }),
    );
    expect(annotation(changed)).not.toBe(annotation(objects));
  });
});
