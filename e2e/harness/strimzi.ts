/**
 * The rendered Strimzi objects translated into what Strimzi 1.2.0's operators make of them, for
 * processes started by hand: one server.properties per Kafka node (KafkaBrokerConfigurationBuilder),
 * the topics, SCRAM users and ACLs the topic and user operators create, a distributed Connect
 * worker config (KafkaConnectConfigurationBuilder) and the connector's REST body. Pure functions:
 * the only inputs besides the objects are where things run (loopback addresses, file paths).
 */

/** A rendered object, as parsed from dist/. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: any;
}

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

/** Where the harness runs a node and which files stand in for Strimzi's mounted certificates. */
export interface NodeHost {
  /** Loopback address of a node (each node has its own, so every port stays as rendered). */
  readonly addressOf: (nodeId: number) => string;
  /** PEM with the node's private key (PKCS#8) and certificate, signed by the harness's cluster CA. */
  readonly keystorePem: string;
  /** PEM with the cluster CA certificate. */
  readonly truststorePem: string;
  /** The node's data directory (the volume mount). */
  readonly dataDir: (nodeId: number) => string;
}

/** Node ids as Strimzi assigns them to a cluster's pools: consecutive from 0, pool by pool in the rendered order. */
export function kafkaNodes(objects: readonly RenderedObject[], cluster: string): KafkaNode[] {
  let next = 0;
  return objects
    .filter((o) => o.kind === 'KafkaNodePool' && o.metadata.labels?.['strimzi.io/cluster'] === cluster)
    .flatMap((pool) => Array.from({ length: pool.spec.replicas as number }, () => ({ id: next++, pool: pool.metadata.name, roles: pool.spec.roles })));
}

/** The one Kafka CR of the objects. */
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
  const internalTls = (name: string) => [
    `listener.name.${name.toLowerCase()}.ssl.keystore.location=${host.keystorePem}`,
    `listener.name.${name.toLowerCase()}.ssl.keystore.type=PEM`,
    `listener.name.${name.toLowerCase()}.ssl.truststore.location=${host.truststorePem}`,
    `listener.name.${name.toLowerCase()}.ssl.truststore.type=PEM`,
    `listener.name.${name.toLowerCase()}.ssl.client.auth=required`,
  ];
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
      if (listener.tls) lines.push(`listener.name.${property}.ssl.keystore.location=${host.keystorePem}`, `listener.name.${property}.ssl.keystore.type=PEM`);
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
  const components = [`${cluster}-kafka`, `${cluster}-entity-topic-operator`, `${cluster}-entity-user-operator`, `${cluster}-kafka-exporter`, `${cluster}-cruise-control`, 'cluster-operator'];
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
  const topics = objects.filter((o) => o.kind === 'KafkaTopic').map((t) => ({
    name: t.spec.topicName ?? t.metadata.name,
    partitions: t.spec.partitions,
    replicas: t.spec.replicas,
    config: Object.fromEntries(Object.entries(t.spec.config ?? {}).map(([k, v]) => [k, String(v)])),
  }));
  const users = objects.filter((o) => o.kind === 'KafkaUser').map((u) => {
    if (u.spec.authentication?.type !== 'scram-sha-512') throw new Error(`KafkaUser ${u.metadata.name}: only scram-sha-512 is translated`);
    const acls = (u.spec.authorization?.acls ?? []).flatMap((acl: any) => acl.operations.map((operation: string) => ({
      resourceType: kafkaEnum(acl.resource.type),
      name: acl.resource.type === 'cluster' ? 'kafka-cluster' : acl.resource.name,
      patternType: acl.resource.patternType === 'prefix' ? 'PREFIXED' : 'LITERAL',
      operation: kafkaEnum(operation),
      host: acl.host ?? '*',
    })));
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
  /**
   * Directory standing in for the Kubernetes API behind Strimzi's `strimzisecrets` provider: a
   * Secret key `<namespace>/<secret>:<key>` is the file `<dir>/<namespace>/<secret>/<key>`, read
   * by Kafka's DirectoryConfigProvider with the worker's working directory set to this one.
   */
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
  const protocol = tls ? (scram ? 'SASL_SSL' : 'SSL') : (scram ? 'SASL_PLAINTEXT' : 'PLAINTEXT');
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
    // In place of io.strimzi.kafka.KubernetesSecretConfigProvider: the same references, read from
    // files relative to the worker's working directory (allowed.paths would reject relative paths).
    'config.providers.strimzisecrets.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider',
  );
  // Strimzi's defaults (KafkaConnectConfiguration.DEFAULTS), then spec.config verbatim.
  const config: Record<string, unknown> = { 'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', ...spec.config };
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
