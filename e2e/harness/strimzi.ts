import { RenderedObject } from '../../src/model/rendered-object';
/**
 * The rendered Strimzi objects translated into what Strimzi 1.2.0's operators make of them, for
 * processes started by hand: one server.properties per Kafka node (KafkaBrokerConfigurationBuilder),
 * the topics, SCRAM users and ACLs the topic and user operators create, a distributed Connect
 * worker config (KafkaConnectConfigurationBuilder) and the connector's REST body. Pure functions:
 * the only inputs besides the objects are where things run (loopback addresses, file paths).
 */

/** Strimzi's fixed internal listeners (KafkaCluster.CONTROLPLANE_PORT, REPLICATION_PORT). */
export const CONTROL_PLANE_PORT = 9090;
export const REPLICATION_PORT = 9091;
const CONTROL_PLANE = `CONTROLPLANE-${CONTROL_PLANE_PORT}`;
const REPLICATION = `REPLICATION-${REPLICATION_PORT}`;

/** One Kafka node: its id, its pool, its roles. */
export interface KafkaNode {
  readonly id: number;
  readonly pool: string;
  readonly roles: readonly ('broker' | 'controller')[];
}

/** Where the harness runs a node. */
export interface NodeHost {
  /** Loopback address of a node (each node has its own, so every port stays as rendered). */
  readonly addressOf: (nodeId: number) => string;
  /** The node's data directory (the volume mount). */
  readonly dataDir: (nodeId: number) => string;
}

/** A node's pod name (and the name of the Secret holding its certificate): `<cluster>-<pool>-<id>`. */
export function kafkaPodName(cluster: string, node: KafkaNode): string {
  return `${cluster}-${node.pool}-${node.id}`;
}

/** The Secret key `${strimzisecrets:…}` reads a node's certificate and the cluster CA from, as Strimzi 1.2.0 names them. */
export function nodeSecrets(kafka: RenderedObject, node: KafkaNode): { certificate: string; key: string; trustedCa: string } {
  const namespace = kafka.metadata.namespace as string;
  const pod = kafkaPodName(kafka.metadata.name, node);
  return { certificate: `${namespace}/${pod}:${pod}.crt`, key: `${namespace}/${pod}:${pod}.key`, trustedCa: `${namespace}/${kafka.metadata.name}-trustbundle:cluster-ca.crt` };
}

/**
 * Strimzi's `strimzisecrets` provider in the harness: a Secret key `<namespace>/<secret>:<key>` is
 * the file `<namespace>/<secret>/<key>` under the process's working directory, read by Kafka's
 * DirectoryConfigProvider (in place of io.strimzi.kafka.KubernetesSecretConfigProvider, which asks
 * the Kubernetes API).
 */
const SECRETS_PROVIDER_STAND_IN = 'config.providers.strimzisecrets.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider';

/** Node ids as Strimzi assigns them to a cluster's pools: consecutive from 0, pool by pool in the rendered order. */
export function kafkaNodes(objects: readonly RenderedObject[], cluster: string): KafkaNode[] {
  let next = 0;
  return objects
    .filter((o) => o.kind === 'KafkaNodePool' && o.metadata.labels?.['strimzi.io/cluster'] === cluster)
    .flatMap((pool) => Array.from({ length: pool.spec.replicas as number }, () => ({ id: next++, pool: pool.metadata.name, roles: pool.spec.roles })));
}

/** The one Kafka CR of the objects. */
/**
 * The bootstrap Service's DNS names, as Strimzi puts them in each broker's certificate (with and
 * without the namespace, `svc` and the cluster domain): clients verify the broker by them.
 */
export function bootstrapServiceNames(kafka: RenderedObject): string[] {
  const service = `${kafka.metadata.name}-kafka-bootstrap`;
  const namespace = kafka.metadata.namespace as string;
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

export function kafkaOf(objects: readonly RenderedObject[]): RenderedObject {
  return single(objects, 'Kafka');
}

/** server.properties for one node, section by section as Strimzi writes it. */
export function nodeProperties(kafka: RenderedObject, nodes: readonly KafkaNode[], node: KafkaNode, host: NodeHost): string {
  const isBroker = node.roles.includes('broker');
  const isController = node.roles.includes('controller');
  const lines: string[] = [`node.id=${node.id}`];
  const dir = host.dataDir(node.id);
  // kraftMetadata: shared puts the metadata log in the same volume's log dir.
  lines.push(`log.dirs=${dir}/kafka-log${node.id}`, `metadata.log.dir=${dir}/kafka-log${node.id}`);

  lines.push(`process.roles=${node.roles.length === 2 ? 'broker,controller' : node.roles[0]}`, `controller.listener.names=${CONTROL_PLANE}`);
  const voters = nodes.filter((n) => n.roles.includes('controller')).sort((a, b) => a.id - b.id);
  lines.push(`controller.quorum.voters=${voters.map((v) => `${v.id}@${host.addressOf(v.id)}:${CONTROL_PLANE_PORT}`).join(',')}`);

  const protocols = [`${CONTROL_PLANE}:SSL`];
  const listeners: string[] = [];
  const advertised: string[] = [];
  const address = host.addressOf(node.id);
  // Certificates come through the strimzisecrets provider (KafkaBrokerConfigurationBuilder's
  // configureListener and configureTlsOnListener): every node reads Secrets from the Kubernetes API.
  const secrets = nodeSecrets(kafka, node);
  const keystore = (name: string) => [
    `listener.name.${name.toLowerCase()}.ssl.keystore.certificate.chain=\${strimzisecrets:${secrets.certificate}}`,
    `listener.name.${name.toLowerCase()}.ssl.keystore.key=\${strimzisecrets:${secrets.key}}`,
    `listener.name.${name.toLowerCase()}.ssl.keystore.type=PEM`,
  ];
  const internalTls = (name: string) => [
    ...keystore(name),
    `listener.name.${name.toLowerCase()}.ssl.truststore.certificates=\${strimzisecrets:${secrets.trustedCa}}`,
    `listener.name.${name.toLowerCase()}.ssl.truststore.type=PEM`,
    `listener.name.${name.toLowerCase()}.ssl.client.auth=required`,
  ];
  // printConfigProviders: the file and directory providers on brokers only.
  lines.push(
    `config.providers=${['strimzienv', 'strimzisecrets', ...(isBroker ? ['strimzifile', 'strimzidir'] : [])].join(',')}`,
    'config.providers.strimzienv.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    'config.providers.strimzienv.param.allowlist.pattern=.*',
    SECRETS_PROVIDER_STAND_IN,
  );
  lines.push(...internalTls(CONTROL_PLANE));
  if (isController) {
    listeners.push(`${CONTROL_PLANE}://${address}:${CONTROL_PLANE_PORT}`);
    advertised.push(`${CONTROL_PLANE}://${address}:${CONTROL_PLANE_PORT}`);
  }
  if (isBroker) {
    protocols.push(`${REPLICATION}:SSL`);
    listeners.push(`${REPLICATION}://${address}:${REPLICATION_PORT}`);
    advertised.push(`${REPLICATION}://${address}:${REPLICATION_PORT}`);
    lines.push(...internalTls(REPLICATION));
    for (const listener of kafka.spec.kafka.listeners) {
      const name = `${String(listener.name).toUpperCase()}-${listener.port}`;
      const property = name.toLowerCase();
      listeners.push(`${name}://${address}:${listener.port}`);
      advertised.push(`${name}://${address}:${listener.port}`);
      const auth = listener.authentication?.type;
      if (auth === 'scram-sha-512') {
        protocols.push(`${name}:${listener.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`);
        lines.push(`listener.name.${property}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`);
        lines.push(`listener.name.${property}.sasl.enabled.mechanisms=SCRAM-SHA-512`);
      } else if (auth === undefined) {
        protocols.push(`${name}:${listener.tls ? 'SSL' : 'PLAINTEXT'}`);
      } else {
        throw new Error(`listener ${listener.name}: authentication ${auth} is not translated by the e2e harness`);
      }
      if (listener.tls) lines.push(...keystore(name));
    }
  }
  lines.push(`listener.security.protocol.map=${protocols.join(',')}`, `listeners=${listeners.join(',')}`);
  if (isBroker) lines.push(`inter.broker.listener.name=${REPLICATION}`);
  lines.push(`advertised.listeners=${advertised.join(',')}`, 'sasl.enabled.mechanisms=', 'ssl.endpoint.identification.algorithm=HTTPS');

  const authorization = kafka.spec.kafka.authorization;
  if (authorization) {
    if (authorization.type !== 'simple') throw new Error(`authorization ${authorization.type} is not translated by the e2e harness`);
    lines.push('authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    lines.push(`super.users=${superUsers(kafka.metadata.name, authorization.superUsers ?? []).join(';')}`);
  }
  // spec.kafka.config, verbatim.
  for (const [key, value] of Object.entries(kafka.spec.kafka.config ?? {})) lines.push(`${key}=${value}`);
  return `${lines.join('\n')}\n`;
}

/** Strimzi's super users for a cluster (its own components, by certificate), plus the CR's. */
export function superUsers(cluster: string, extra: readonly string[]): string[] {
  const components = [
    `${cluster}-kafka`,
    `${cluster}-entity-topic-operator`,
    `${cluster}-entity-user-operator`,
    `${cluster}-kafka-exporter`,
    `${cluster}-cruise-control`,
    'cluster-operator',
  ];
  return [...components.map((cn) => `User:CN=${cn},O=io.strimzi`), ...extra.map((u) => `User:${u}`)];
}

/** The certificate subject the harness's admin client uses: the topic operator's, one of Strimzi's super users. */
export function operatorSubject(cluster: string): string {
  return `/O=io.strimzi/CN=${cluster}-entity-topic-operator`;
}

/** What the topic and user operators create: topics, then each user's credential and ACLs. */
export interface AdminPlan {
  readonly topics: { name: string; partitions: number; replicas: number; config: Record<string, string> }[];
  readonly users: { name: string; password: string; acls: { resourceType: string; name: string; patternType: string; operation: string; host: string }[] }[];
}

/** Strimzi's ACL resource and operation names → Kafka's (`transactionalId` → TRANSACTIONAL_ID, `IdempotentWrite` → IDEMPOTENT_WRITE). */
const kafkaEnum = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

export function adminPlan(objects: readonly RenderedObject[], passwordOf: (user: string) => string): AdminPlan {
  const topics = objects
    .filter((o) => o.kind === 'KafkaTopic')
    .map((t) => ({
      name: t.spec.topicName ?? t.metadata.name,
      partitions: t.spec.partitions,
      replicas: t.spec.replicas,
      config: Object.fromEntries(Object.entries(t.spec.config ?? {}).map(([k, v]) => [k, String(v)])),
    }));
  const users = objects
    .filter((o) => o.kind === 'KafkaUser')
    .map((u) => {
      if (u.spec.authentication?.type !== 'scram-sha-512') throw new Error(`KafkaUser ${u.metadata.name}: only scram-sha-512 is translated`);
      const acls = (u.spec.authorization?.acls ?? []).flatMap((acl: any) =>
        acl.operations.map((operation: string) => ({
          resourceType: kafkaEnum(acl.resource.type),
          name: acl.resource.type === 'cluster' ? 'kafka-cluster' : acl.resource.name,
          patternType: acl.resource.patternType === 'prefix' ? 'PREFIXED' : 'LITERAL',
          operation: kafkaEnum(operation),
          host: acl.host ?? '*',
        })),
      );
      return { name: u.metadata.name, password: passwordOf(u.metadata.name), acls };
    });
  return { topics, users };
}

/** Where a Connect worker runs. */
export interface WorkerHost {
  readonly bootstrapServers: string;
  readonly truststorePem: string;
  readonly restHost: string;
  readonly restPort: number;
  readonly pluginPath: string;
  /** Stands in for the image's /opt/kafka (the strimzidir provider's allowed path). */
  readonly kafkaHome: string;
  /** The working directory: where the strimzisecrets stand-in reads Secrets (SECRETS_PROVIDER_STAND_IN). */
  readonly secretsDir: string;
}

/** The distributed worker config Strimzi writes for a KafkaConnect. */
export function connectWorkerProperties(connect: RenderedObject, host: WorkerHost): string {
  const spec = connect.spec;
  const namespace = connect.metadata.namespace as string;
  const lines = [`bootstrap.servers=${host.bootstrapServers}`];
  const tls = spec.tls !== undefined;
  const scram = spec.authentication?.type === 'scram-sha-512';
  if (spec.authentication && !scram) throw new Error(`KafkaConnect authentication ${spec.authentication.type} is not translated`);
  const protocol = tls ? (scram ? 'SASL_SSL' : 'SSL') : scram ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
  const clients = ['', 'producer.', 'consumer.', 'admin.'];
  for (const prefix of clients) lines.push(`${prefix}security.protocol=${protocol}`);
  if (tls) {
    for (const prefix of clients) lines.push(`${prefix}ssl.truststore.location=${host.truststorePem}`, `${prefix}ssl.truststore.type=PEM`);
  }
  if (scram) {
    const { username, passwordSecret } = spec.authentication;
    const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="\${strimzisecrets:${namespace}/${passwordSecret.secretName}:${passwordSecret.password}}";`;
    for (const prefix of clients) lines.push(`${prefix}sasl.mechanism=SCRAM-SHA-512`, `${prefix}sasl.jaas.config=${jaas}`);
  }
  lines.push(
    'config.providers=strimzienv,strimzifile,strimzidir,strimzisecrets',
    'config.providers.strimzienv.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    'config.providers.strimzienv.param.allowlist.pattern=.*',
    'config.providers.strimzifile.class=org.apache.kafka.common.config.provider.FileConfigProvider',
    'config.providers.strimzidir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider',
    `config.providers.strimzidir.param.allowed.paths=${host.kafkaHome}`,
    SECRETS_PROVIDER_STAND_IN,
  );
  // Strimzi's defaults (KafkaConnectConfiguration.DEFAULTS), then spec.config verbatim.
  const config: Record<string, unknown> = {
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    ...spec.config,
  };
  // The image's /opt/kafka is the stand-in directory here (provider paths must exist).
  for (const [key, value] of Object.entries(config)) lines.push(`${key}=${key.endsWith('.param.allowed.paths') ? String(value).replaceAll('/opt/kafka', host.kafkaHome) : value}`);
  lines.push(
    `listeners=http://${host.restHost}:${host.restPort}`,
    `rest.advertised.host.name=${host.restHost}`,
    `rest.advertised.port=${host.restPort}`,
    `group.id=${spec.groupId}`,
    `config.storage.topic=${spec.configStorageTopic}`,
    `status.storage.topic=${spec.statusStorageTopic}`,
    `offset.storage.topic=${spec.offsetStorageTopic}`,
    `plugin.path=${host.pluginPath}`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * The body the operator PUTs to /connectors/<name>/config: spec.config verbatim plus class and
 * tasks.max; `addresses` replaces the database host and port only.
 */
export function connectorConfig(connector: RenderedObject, addresses: Record<string, string> = {}): { name: string; config: Record<string, string> } {
  const config: Record<string, string> = { 'connector.class': connector.spec.class, 'tasks.max': String(connector.spec.tasksMax ?? 1) };
  for (const [key, value] of Object.entries(connector.spec.config)) config[key] = String(value);
  return { name: connector.metadata.name, config: { ...config, ...addresses } };
}

function single(objects: readonly RenderedObject[], kind: string): RenderedObject {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
}
