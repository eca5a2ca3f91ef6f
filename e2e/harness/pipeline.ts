import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Certificates, makeCertificates } from './certs';
import { ConnectWorkers } from './connect-workers';
import { ConnectorOperator } from './connectors';
import { Jvm } from './jvm';
import { KafkaClients } from './kafka-clients';
import { KafkaNodes } from './kafka-nodes';
import { Loopback } from './loopback';
import { PipelineDatabase } from './pipeline-database';
import { serverNamesOf } from './postgres-server';
import { stopAll } from './process';
import { RenderedPipeline, RenderOptions } from './rendered';
import { bootstrapServiceNames, operatorSubject } from './strimzi';

export { E2E_ENVIRONMENT, pipelinePostgresAvailable } from './rendered';
export type { ConsumedRecord } from './consumer-run';
export { ConsumerRun } from './consumer-run';

/** Options of a run: what it renders (rendered.ts). */
export type PipelineOptions = RenderOptions;

/**
 * The rendered data plane running for real on loopback, every part from the same objects:
 * - `db`: PostgreSQL from the rendered image context, with its sidecars;
 * - `kafka`: the KRaft cluster of the Kafka CR and node pools, with the topics, users and ACLs the operators create;
 * - `connect`: the KafkaConnect's workers; `connector`: what the operator does for the KafkaConnector;
 * - `clients`: consumers as their pods run them, probes, and reads by offset.
 *
 * A scenario starts it, then drives the parts; `stop()` ends every process by pid.
 */
export class Pipeline {
  readonly dir = mkdtempSync(join(tmpdir(), 'cdc8s-e2e-'));
  readonly rendered: RenderedPipeline;
  readonly db: PipelineDatabase;
  readonly kafka: KafkaNodes;
  readonly connect: ConnectWorkers;
  readonly connector: ConnectorOperator;
  readonly clients: KafkaClients;
  private readonly jvm: Jvm;
  private certs?: Certificates;

  constructor(options: PipelineOptions = {}) {
    this.rendered = new RenderedPipeline(options);
    const loopback = new Loopback();
    const certificates = () => this.certificates();
    this.jvm = new Jvm(this.dir, this.rendered.objects);
    this.db = new PipelineDatabase(this.rendered);
    this.kafka = new KafkaNodes(this.dir, this.rendered.objects, this.jvm, loopback, certificates);
    this.connect = new ConnectWorkers(this.dir, this.rendered.of('KafkaConnect'), this.rendered.objects, this.jvm, loopback, () => ({
      bootstrapServers: this.kafka.bootstrapServers,
      truststorePem: certificates().caPem,
      hostsFile: this.connectHosts(),
    }));
    this.connector = new ConnectorOperator(this.rendered.of('KafkaConnector'), this.connect);
    this.clients = new KafkaClients(this.dir, this.rendered, this.jvm, this.kafka, certificates);
  }

  /** The rendered objects (as `npm run synth` writes them, with the run's options). */
  get objects() {
    return this.rendered.objects;
  }

  /** Starts the database, the Kafka cluster (with the operators' topics, users and ACLs) and the Connect workers. */
  async start(): Promise<void> {
    await this.db.start();
    await this.kafka.start();
    await this.connect.start();
  }

  /** Creates the connector and waits for it to run (see ConnectorOperator.create for a start expected to block). */
  startConnector(): Promise<string> {
    this.writeDebeziumSecret(this.db.debeziumPassword);
    return this.connector.start({ port: this.db.server.port, caFile: this.db.server.ca.certificate });
  }

  /** Creates the connector and returns once Connect accepted its config, running or not. */
  createConnector(): Promise<string> {
    this.writeDebeziumSecret(this.db.debeziumPassword);
    return this.connector.create({ port: this.db.server.port, caFile: this.db.server.ca.certificate });
  }

  /** Rotates the Debezium role's password the way a Secret update reaches both readers: the database pod's mount and Connect's config provider. */
  rotateDebeziumPassword(password: string): void {
    this.db.server.setPasswords({ debezium: password });
    this.writeDebeziumSecret(password);
  }

  /** Ends every process by pid and removes the run's directory (kept with CDC8S_E2E_KEEP=1). */
  async stop(): Promise<void> {
    this.connector.close();
    // Consumers and probes too: every process this run started, by pid.
    await stopAll();
    await this.db.stop();
    if (process.env.CDC8S_E2E_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true });
  }

  /** Writes the Secret the connector's `${strimzisecrets:<namespace>/<name>:<key>}` reference names, where the stand-in provider reads it. */
  private writeDebeziumSecret(password: string): void {
    const reference = /^\$\{strimzisecrets:([^}]+)\}$/.exec(this.rendered.of('KafkaConnector').spec.config['database.password']);
    if (!reference) throw new Error('the rendered connector does not take its password from strimzisecrets');
    this.jvm.writeSecret(reference[1], password);
  }

  /** The cluster CA, each node's certificate and the operator's admin certificate (made on first use). */
  private certificates(): Certificates {
    const kafka = this.rendered.of('Kafka');
    const addresses = this.kafka.nodes.map((n) => this.kafka.addressOf(n.id));
    return (this.certs ??= makeCertificates(this.dir, kafka.metadata.name, addresses, bootstrapServiceNames(kafka), operatorSubject(kafka.metadata.name)));
  }

  /**
   * The Connect JVMs' hosts file: the database Service's name resolves to loopback, so the connector
   * connects by the rendered name and verifies the certificate against it.
   */
  private connectHosts(): string {
    const file = join(this.dir, 'connect-hosts');
    writeFileSync(file, ['127.0.0.1 localhost', ...serverNamesOf(this.rendered.objects).map((name) => `127.0.0.1 ${name}`), ''].join('\n'));
    return file;
  }
}
