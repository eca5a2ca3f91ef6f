import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RenderedObject } from '../../src/model/rendered-object';
import { Certificates } from './certs';
import { Jvm } from './jvm';
import { Loopback } from './loopback';
import { jmxRulesFile, metricsAgentOption } from './metrics';
import { listening, ManagedProcess } from './process';
import { adminPlan, CONTROL_PLANE_PORT, kafkaNodes, KafkaNode, kafkaOf, nodeProperties, nodeSecrets, REPLICATION_PORT } from './strimzi';

/** Bound on a node coming up (2 cores run eight JVMs). */
const NODE_READY_MS = 120_000;

/**
 * The KRaft cluster of the rendered Kafka CR and node pools, one JVM per node on its loopback
 * address, and what the operators do to it: topics, SCRAM users and ACLs from the KafkaTopic and
 * KafkaUser objects, as a Strimzi operator's certificate on the replication listener.
 */
export class KafkaNodes {
  readonly nodes: KafkaNode[];
  readonly processes = new Map<number, ManagedProcess>();
  /** Each KafkaUser's password, as the user operator generated it into its Secret. */
  readonly passwords = new Map<string, string>();
  private readonly kafka: RenderedObject;
  private readonly clusterId = randomBytes(16).toString('base64url');

  constructor(
    private readonly dir: string,
    private readonly objects: readonly RenderedObject[],
    private readonly jvm: Jvm,
    private readonly loopback: Loopback,
    private readonly certs: () => Certificates,
  ) {
    this.kafka = kafkaOf(objects);
    this.nodes = kafkaNodes(objects, this.kafka.metadata.name);
  }

  /** A node's loopback address. */
  addressOf(id: number): string {
    return this.loopback.node(id);
  }

  /** The rendered client listener's port (the bootstrap port). */
  get clientPort(): number {
    return this.kafka.spec.kafka.listeners[0].port;
  }

  brokerIds(): number[] {
    return this.nodes.filter((n) => n.roles.includes('broker')).map((n) => n.id);
  }

  /** Every broker's client listener, as the bootstrap Service would reach them. */
  get bootstrapServers(): string {
    return this.brokerIds()
      .map((id) => `${this.loopback.node(id)}:${this.clientPort}`)
      .join(',');
  }

  /** Starts every node at once (brokers and controllers wait for each other: the quorum), then the operators' objects. */
  async start(): Promise<void> {
    for (const node of this.nodes) this.processes.set(node.id, this.process(node).start());
    await Promise.all(this.nodes.map((node) => this.listening(node)));
    this.applyOperatorObjects();
  }

  /** Kills a node's JVM (SIGKILL: no clean shutdown). */
  kill(id: number): void {
    this.processes.get(id)?.kill('SIGKILL');
  }

  /** Starts a node again on its existing data. */
  async restart(id: number): Promise<void> {
    const node = this.nodes.find((n) => n.id === id) as KafkaNode;
    await this.processes.get(id)?.stop();
    this.processes.set(id, this.process(node).start());
    await this.listening(node);
  }

  /** Partitions whose ISR is short of their replicas (`under`), out of `partitions`, as the admin sees them. */
  isr(): { partitions: number; under: number; detail: string } {
    const line = this.jvm.tool(['isr', this.adminProperties()]).trim().split('\n').pop() as string;
    const match = /partitions=(\d+) under-replicated=(\d+)/.exec(line);
    return { partitions: Number(match?.[1]), under: Number(match?.[2]), detail: line };
  }

  /** Changes a topic's configs as the topic operator applies a KafkaTopic's `spec.config` edit (an empty value removes the override). */
  alterTopicConfig(topic: string, changes: Readonly<Record<string, string>>): void {
    this.jvm.tool(['alter-topic', this.adminProperties(), topic, ...Object.entries(changes).map(([k, v]) => `${k}=${v}`)]);
  }

  /** The topic's configs set on the topic (not broker defaults). */
  topicConfig(topic: string): Record<string, string> {
    return JSON.parse(this.jvm.tool(['topic-config', this.adminProperties(), topic]).trim().split('\n').pop() as string);
  }

  /** Client properties of the harness's admin: a Strimzi operator's certificate on the replication listener (written once). */
  adminProperties(): string {
    const file = join(this.dir, 'admin.properties');
    if (existsSync(file)) return file;
    const certs = this.certs();
    const bootstrap = this.brokerIds().map((id) => `${this.loopback.node(id)}:${REPLICATION_PORT}`);
    const lines = [`bootstrap.servers=${bootstrap.join(',')}`, 'security.protocol=SSL', 'ssl.keystore.type=PEM', `ssl.keystore.location=${certs.adminPem}`];
    writeFileSync(file, [...lines, 'ssl.truststore.type=PEM', `ssl.truststore.location=${certs.caPem}`].join('\n'));
    return file;
  }

  private process(node: KafkaNode): ManagedProcess {
    const dataDir = join(this.dir, `kafka-${node.id}`);
    const properties = join(this.dir, `server-${node.id}.properties`);
    if (!existsSync(properties)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(properties, nodeProperties(this.kafka, this.nodes, node, { addressOf: (id) => this.loopback.node(id), dataDir: () => dataDir }));
      // The Secrets the node's config reads through strimzisecrets: its certificate and the cluster CA.
      const certs = this.certs();
      const secrets = nodeSecrets(this.kafka, node);
      this.jvm.writeSecret(secrets.certificate, readFileSync(certs.nodeCert, 'utf8'));
      this.jvm.writeSecret(secrets.key, readFileSync(certs.nodeKey, 'utf8'));
      this.jvm.writeSecret(secrets.trustedCa, readFileSync(certs.caPem, 'utf8'));
      this.jvm.run('kafka.tools.StorageTool', ['format', '-t', this.clusterId, '-c', properties]);
    }
    // The JMX exporter as Strimzi attaches it when the Kafka renders metricsConfig, with its rules.
    const rules = jmxRulesFile(this.objects, this.kafka, this.dir);
    const jvmOptions = rules ? [metricsAgentOption(this.jvm.bin.metricsAgent, this.loopback.node(node.id), rules)] : [];
    return this.jvm.process(`kafka node ${node.id} (${node.pool})`, { heapMb: 512, main: 'kafka.Kafka', args: [properties], log: `kafka-${node.id}.log`, jvmOptions });
  }

  /** Waits (bounded) until a node accepts connections: brokers on the client listener, controllers on the control plane. */
  private listening(node: KafkaNode): Promise<void> {
    const port = node.roles.includes('broker') ? this.clientPort : CONTROL_PLANE_PORT;
    return (this.processes.get(node.id) as ManagedProcess).waitFor('listening', () => listening(this.loopback.node(node.id), port), NODE_READY_MS);
  }

  /** Topics, SCRAM credentials and ACLs as the topic and user operators create them; each password where the stand-in provider reads its Secret. */
  private applyOperatorObjects(): void {
    const plan = adminPlan(this.objects, (user) => {
      if (!this.passwords.has(user)) this.passwords.set(user, `kafka-${user}-${randomBytes(8).toString('hex')}`);
      return this.passwords.get(user) as string;
    });
    const file = join(this.dir, 'admin-plan.json');
    writeFileSync(file, JSON.stringify(plan));
    this.jvm.tool(['apply', this.adminProperties(), file]);
    const namespace = this.objects.find((o) => o.kind === 'KafkaUser')?.metadata.namespace as string;
    for (const [user, password] of this.passwords) this.jvm.writeSecret(`${namespace}/${user}:password`, password);
  }
}
