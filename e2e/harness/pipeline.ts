import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { includedTables, transactionTopicName } from '../../src/constructs/kafka/debezium-connector';
import { DEBEZIUM_PLUGIN_SHA512, debeziumPostgresPluginUrl } from '../../src/model/debezium-plugin';
import { renderEnvironment } from '../../src/output/render';
import { packageRoot } from '../../src/model/package-root';
import { Command, PostgresServer, postgresAvailable, serverNamesOf } from './postgres-server';
import { SqlSession } from './sql-session';
import { Components, componentsFor } from './components';
import { Certificates, makeCertificates } from './certs';
import { eventually, listening, ManagedProcess, stopAll } from './process';
import {
  adminPlan,
  AdminPlan,
  connectorConfig,
  connectWorkerProperties,
  CONTROL_PLANE_PORT,
  kafkaNodes,
  KafkaNode,
  kafkaOf,
  nodeProperties,
  nodeSecrets,
  operatorSubject,
  REPLICATION_PORT,
} from './strimzi';
import { RenderedObject } from '../../src/model/rendered-object';
import { resolveConfig } from '../../src/platforms/resolve';

/** The environment whose objects the e2e suite runs: two Connect workers, dedicated controllers, as in production. */
export const E2E_ENVIRONMENT = 'eks';
const REST_PORT = 8083;

/** Bounds on each component coming up (2 cores run eight JVMs). */
const NODE_READY_MS = 120_000;
const WORKER_READY_MS = 180_000;

/** Config changes the harness may make: addresses only (the rule of the suite). */
function renderedObjects(change: (config: any) => void = () => {}): { objects: RenderedObject[]; files: ReadonlyMap<string, string> } {
  const file = join(packageRoot(), 'environments', `${E2E_ENVIRONMENT}.yaml`);
  const config = parse(readFileSync(file, 'utf8'));
  // The database accepts the harness's loopback clients instead of the VPC range.
  config.postgres.clientCidrs = ['127.0.0.1/32'];
  change(config);
  const rendered = renderEnvironment(resolveConfig(E2E_ENVIRONMENT, file, config));
  const objects = rendered.documents.flatMap((d) => d.objects) as unknown as RenderedObject[];
  return { objects, files: rendered.files };
}

/** Whether the database image's root is built for the pipeline's environment (see postgresAvailable). */
export function pipelinePostgresAvailable(): boolean {
  return postgresAvailable(renderedObjects().files, E2E_ENVIRONMENT);
}

/**
 * CDC8S_E2E_DEBEZIUM=<version>: run another pinned Debezium than the rendered one (its archive and
 * sha512 from DEBEZIUM_PLUGIN_SHA512), to show what a release the config refuses does; e.g.
 * 3.4.3.Final loses rows in scenario 12. Never set in CI.
 */
function debeziumOverride(objects: RenderedObject[]): void {
  const version = process.env.CDC8S_E2E_DEBEZIUM;
  if (!version) return;
  const sha512 = DEBEZIUM_PLUGIN_SHA512[version];
  if (!sha512) throw new Error(`CDC8S_E2E_DEBEZIUM=${version}: cdc8s pins no sha512 for it (${Object.keys(DEBEZIUM_PLUGIN_SHA512).join(', ')})`);
  const artifact = objects.find((o) => o.kind === 'KafkaConnect')?.spec.build.plugins[0].artifacts[0];
  Object.assign(artifact, { url: debeziumPostgresPluginUrl(version), sha512sum: sha512 });
  console.warn(`e2e: running Debezium ${version} in place of the rendered plugin (CDC8S_E2E_DEBEZIUM)`);
}

/** Log4j 2 for every JVM: INFO to stdout (the process's log file). */
const LOG4J2 = [
  'appender.out.type=Console',
  'appender.out.name=out',
  'appender.out.layout.type=PatternLayout',
  'appender.out.layout.pattern=[%d] %p %m (%c)%n',
  'rootLogger.level=INFO',
  'rootLogger.appenderRef.out.ref=out',
  'logger.kafka.name=org.apache.kafka',
  'logger.kafka.level=WARN',
  'logger.kserver.name=kafka',
  'logger.kserver.level=WARN',
  'logger.connect.name=org.apache.kafka.connect',
  'logger.connect.level=INFO',
  'logger.reflections.name=org.reflections',
  'logger.reflections.level=ERROR',
  'logger.started.name=kafka.server.BrokerServer',
  'logger.started.level=INFO',
  'logger.ctrl.name=kafka.server.ControllerServer',
  'logger.ctrl.level=INFO',
].join('\n');

/** Options of a run. */
export interface PipelineOptions {
  /** Edits the environment config before rendering (addresses only, in the scenarios). */
  readonly change?: (config: any) => void;
  /**
   * Edits the rendered objects: only the bench's relaxed variant does, to show what durability
   * costs with settings the policy would refuse.
   */
  readonly mutate?: (objects: RenderedObject[]) => void;
}

/**
 * The rendered data plane running for real on loopback: PostgreSQL from the rendered image
 * context, a KRaft cluster from the Kafka CR and node pools, topics/users/ACLs as the operators
 * create them, two Connect workers and the connector, all from the same objects.
 */
export class Pipeline {
  readonly dir = mkdtempSync(join(tmpdir(), 'cdc8s-e2e-'));
  readonly objects: RenderedObject[];
  readonly nodes: KafkaNode[];
  readonly nodeProcesses = new Map<number, ManagedProcess>();
  readonly workers: ManagedProcess[] = [];
  postgres!: PostgresServer;
  readonly passwords = new Map<string, string>();
  readonly app = { user: 'transactions_app', password: `app-${randomBytes(8).toString('hex')}`, database: 'transactions' };
  readonly debeziumPassword = `dbz-${randomBytes(8).toString('hex')}`;
  private readonly files: ReadonlyMap<string, string>;
  private readonly base = `127.${randomInt(1, 250)}.${randomInt(1, 250)}`;
  private readonly clusterId = randomBytes(16).toString('base64url');
  private certs!: Certificates;
  private bin!: Components;
  private readonly secretsDir: string;
  private readonly kafkaHome = join(this.dir, 'opt-kafka');

  constructor(options: PipelineOptions = {}) {
    const { objects, files } = renderedObjects(options.change);
    options.mutate?.(objects);
    debeziumOverride(objects);
    this.objects = objects;
    this.files = files;
    this.nodes = kafkaNodes(objects, kafkaOf(objects).metadata.name);
    this.secretsDir = join(this.dir, 'secrets');
    mkdirSync(this.kafkaHome, { recursive: true });
    mkdirSync(this.secretsDir, { recursive: true });
    writeFileSync(join(this.dir, 'log4j2.properties'), LOG4J2);
    // The database's Service name resolves to loopback for the Connect JVMs alone (the JDK's
    // hosts-file resolver), so the connector connects by the rendered name and verifies the
    // certificate against it.
    writeFileSync(this.connectHosts, ['127.0.0.1 localhost', ...serverNamesOf(objects).map((name) => `127.0.0.1 ${name}`), ''].join('\n'));
  }

  /** The loopback address of a Kafka node; Connect workers use .1xx. */
  addressOf(nodeId: number): string {
    return `${this.base}.${10 + nodeId}`;
  }

  workerAddress(index: number): string {
    return `${this.base}.${100 + index}`;
  }

  /** The rendered client listener's port (the bootstrap port). */
  private get clientPort(): number {
    return kafkaOf(this.objects).spec.kafka.listeners[0].port;
  }

  get bootstrapServers(): string {
    return this.brokerIds()
      .map((id) => `${this.addressOf(id)}:${this.clientPort}`)
      .join(',');
  }

  of(kind: string, name?: string): RenderedObject {
    const found = this.objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    if (!found) throw new Error(`no ${kind} ${name ?? ''} in the rendered objects`);
    return found;
  }

  async start(): Promise<void> {
    const kafka = kafkaOf(this.objects);
    this.bin = componentsFor(this.objects);
    this.certs = makeCertificates(
      this.dir,
      kafka.metadata.name,
      this.nodes.map((n) => this.addressOf(n.id)),
      operatorSubject(kafka.metadata.name),
    );
    await this.startPostgres();
    await this.startKafka();
    await this.applyAdminPlan();
    await this.startWorkers();
  }

  // ---- PostgreSQL ----

  private async startPostgres(): Promise<void> {
    // As the pod runs: the image's entrypoint (the reconcile at first start), the rendered
    // archive_command and backup configuration.
    this.postgres = (await PostgresServer.startAsRendered(this.files, this.objects, E2E_ENVIRONMENT, { app: this.app.password, debezium: this.debeziumPassword })).server;
    // The sidecars, as rendered: the reconcile publishes each captured table as the application
    // creates it; the backup sidecar takes the full backups.
    this.reconcileSidecar = this.postgres.startReconcileLoop();
    this.backupSidecar = this.postgres.startBackupLoop();
  }

  backupSidecar!: ManagedProcess;

  reconcileSidecar!: ManagedProcess;

  /** Waits (bounded) until the sidecar has published every captured table. */
  async published(): Promise<void> {
    const connector = this.of('KafkaConnector').spec.config;
    const wanted = includedTables(connector['table.include.list']);
    const query = `SELECT count(*) FROM pg_publication_tables WHERE pubname = '${connector['publication.name']}' AND schemaname || '.' || tablename IN (${wanted.map((t) => `'${t}'`).join(', ')})`;
    await eventually(
      () => Number(this.sql(query)) === wanted.length,
      60_000,
      () => `the reconcile sidecar has not published ${wanted.join(', ')}:\n${this.reconcileSidecar.tail(20)}`,
      1_000,
    );
  }

  /** Runs SQL as the application (its migrations and writes). */
  sql(statement: string): string {
    const result = this.postgres.client(this.app, statement);
    if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
    return result.stdout.trim();
  }

  /** psql as the application logs in (the writers), reading statements from its standard input. */
  get appPsql(): Command {
    return this.postgres.psql(this.app, ['-q']);
  }

  /** An application session kept open across steps (a long transaction). */
  openSession(): SqlSession {
    return new SqlSession(this.postgres.psql(this.app, ['-q', '-X']));
  }

  /** The rendered connector's replication slot. */
  get slotName(): string {
    return this.of('KafkaConnector').spec.config['slot.name'];
  }

  /** The connector's slot: how far Debezium has confirmed, and how far the server's WAL is. */
  slot(): { confirmed: bigint; current: bigint } {
    const [confirmed, current] = this.sql(`SELECT confirmed_flush_lsn - '0/0', pg_current_wal_lsn() - '0/0' FROM pg_replication_slots WHERE slot_name = '${this.slotName}'`).split(
      '|',
    );
    return { confirmed: BigInt(confirmed), current: BigInt(current) };
  }

  /** Whether a walsender streams the connector's slot: what the database sees of the task, which a dead worker cannot fake. */
  slotActive(): boolean {
    return this.sql(`SELECT active FROM pg_replication_slots WHERE slot_name = '${this.slotName}'`) === 't';
  }

  /** The state Connect's REST API reports for the connector's task (what Strimzi's status shows). */
  async taskState(connector: string): Promise<string> {
    return (await this.connectorStatus(connector))?.tasks?.[0]?.state ?? 'none';
  }

  /** GET /connectors/<name>/status from any live worker: the connector's and its tasks' states (undefined: none answered). */
  private async connectorStatus(name: string): Promise<any> {
    return (await this.anyWorker('GET', `/connectors/${name}/status`)).json;
  }

  // ---- Kafka ----

  private nodeProcess(node: KafkaNode): ManagedProcess {
    const dataDir = join(this.dir, `kafka-${node.id}`);
    const properties = join(this.dir, `server-${node.id}.properties`);
    if (!existsSync(properties)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(properties, nodeProperties(kafkaOf(this.objects), this.nodes, node, { addressOf: (id) => this.addressOf(id), dataDir: () => dataDir }));
      // The Secrets the node's config reads through strimzisecrets: its certificate and the cluster CA.
      const secrets = nodeSecrets(kafkaOf(this.objects), node);
      this.writeSecret(secrets.certificate, readFileSync(this.certs.nodeCert, 'utf8'));
      this.writeSecret(secrets.key, readFileSync(this.certs.nodeKey, 'utf8'));
      this.writeSecret(secrets.trustedCa, readFileSync(this.certs.caPem, 'utf8'));
      this.java(`format-${node.id}`, 'kafka.tools.StorageTool', ['format', '-t', this.clusterId, '-c', properties], true);
    }
    return new ManagedProcess(`kafka node ${node.id} (${node.pool})`, this.bin.java, [...this.jvm(512), 'kafka.Kafka', properties], join(this.dir, `kafka-${node.id}.log`), {
      cwd: this.secretsDir,
    });
  }

  private async startKafka(): Promise<void> {
    // All at once: brokers and controllers wait for each other (the quorum).
    for (const node of this.nodes) this.nodeProcesses.set(node.id, this.nodeProcess(node).start());
    await Promise.all(this.nodes.map((node) => this.nodeListening(node)));
  }

  /** Waits (bounded) until a node accepts connections: brokers on the client listener, controllers on the control plane. */
  private nodeListening(node: KafkaNode): Promise<void> {
    const port = node.roles.includes('broker') ? this.clientPort : CONTROL_PLANE_PORT;
    return (this.nodeProcesses.get(node.id) as ManagedProcess).waitFor('listening', () => listening(this.addressOf(node.id), port), NODE_READY_MS);
  }

  /** Kills a node's JVM (SIGKILL: no clean shutdown). */
  killNode(id: number): void {
    this.nodeProcesses.get(id)?.kill('SIGKILL');
  }

  /** Starts a node again on its existing data. */
  async restartNode(id: number): Promise<void> {
    const node = this.nodes.find((n) => n.id === id) as KafkaNode;
    await this.nodeProcesses.get(id)?.stop();
    this.nodeProcesses.set(id, this.nodeProcess(node).start());
    await this.nodeListening(node);
  }

  /** Partitions whose ISR is short of their replicas (`under`), out of `partitions`, as the admin sees them. */
  isr(): { partitions: number; under: number; detail: string } {
    const line = this.java('isr', 'cdc8s.e2e.E2eTool', ['isr', this.adminProperties()], true).trim().split('\n').pop() as string;
    const match = /partitions=(\d+) under-replicated=(\d+)/.exec(line);
    return { partitions: Number(match?.[1]), under: Number(match?.[2]), detail: line };
  }

  brokerIds(): number[] {
    return this.nodes.filter((n) => n.roles.includes('broker')).map((n) => n.id);
  }

  /** Client properties of the harness's admin: a Strimzi operator's certificate on the replication listener (written once). */
  adminProperties(): string {
    const file = join(this.dir, 'admin.properties');
    if (existsSync(file)) return file;
    writeFileSync(
      file,
      [
        `bootstrap.servers=${this.brokerIds()
          .map((id) => `${this.addressOf(id)}:${REPLICATION_PORT}`)
          .join(',')}`,
        'security.protocol=SSL',
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${this.certs.adminPem}`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${this.certs.caPem}`,
      ].join('\n'),
    );
    return file;
  }

  private async applyAdminPlan(): Promise<void> {
    const plan: AdminPlan = adminPlan(this.objects, (user) => {
      if (!this.passwords.has(user)) this.passwords.set(user, `kafka-${user}-${randomBytes(8).toString('hex')}`);
      return this.passwords.get(user) as string;
    });
    const file = join(this.dir, 'admin-plan.json');
    writeFileSync(file, JSON.stringify(plan));
    this.java('apply', 'cdc8s.e2e.E2eTool', ['apply', this.adminProperties(), file], true);
    // Secrets as the user operator writes them, where the strimzisecrets stand-in reads them.
    const namespace = this.of('KafkaUser').metadata.namespace as string;
    for (const [user, password] of this.passwords) this.writeSecret(`${namespace}/${user}:password`, password);
  }

  /** A Secret key `<namespace>/<secret>:<key>` where the strimzisecrets stand-in reads it (strimzi.ts). */
  private writeSecret(reference: string, value: string): void {
    const [secret, key] = reference.split(':');
    mkdirSync(join(this.secretsDir, secret), { recursive: true });
    writeFileSync(join(this.secretsDir, secret, key), value);
  }

  // ---- Connect ----

  private workerProcess(index: number): ManagedProcess {
    const connect = this.of('KafkaConnect');
    const properties = join(this.dir, `connect-${index}.properties`);
    writeFileSync(
      properties,
      connectWorkerProperties(connect, {
        bootstrapServers: this.bootstrapServers,
        truststorePem: this.certs.caPem,
        restHost: this.workerAddress(index),
        restPort: REST_PORT,
        pluginPath: this.bin.pluginPath,
        secretsDir: this.secretsDir,
        kafkaHome: this.kafkaHome,
      }),
    );
    return new ManagedProcess(
      `connect worker ${index}`,
      this.bin.java,
      [...this.jvm(768), `-Djdk.net.hosts.file=${this.connectHosts}`, 'org.apache.kafka.connect.cli.ConnectDistributed', properties],
      join(this.dir, `connect-${index}.log`),
      { cwd: this.secretsDir },
    );
  }

  /** The workers' hosts file (written once, in the constructor). */
  private get connectHosts(): string {
    return join(this.dir, 'connect-hosts');
  }

  private async startWorkers(): Promise<void> {
    const replicas = this.of('KafkaConnect').spec.replicas as number;
    for (let i = 0; i < replicas; i++) this.workers.push(this.workerProcess(i).start());
    await Promise.all(this.workers.map((_, i) => this.workerServing(i)));
  }

  /** Waits (bounded) until a worker answers on its REST API. */
  private workerServing(index: number): Promise<void> {
    return this.workers[index].waitFor('serving REST', async () => (await this.rest(index, 'GET', '/connectors')).status === 200, WORKER_READY_MS);
  }

  async restartWorker(index: number): Promise<void> {
    await this.stopWorker(index, 'SIGTERM');
    await this.startWorker(index);
  }

  /** Stops a worker: SIGTERM is a graceful stop (its tasks stop and commit), SIGKILL a crash. */
  async stopWorker(index: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    if (signal === 'SIGKILL') {
      this.workers[index].kill('SIGKILL');
      await this.workers[index].exited(30_000);
    } else {
      await this.workers[index].stop(60_000);
    }
  }

  /** Starts a worker again, at its address (it rejoins the group and gets its tasks back). */
  async startWorker(index: number): Promise<void> {
    this.workers[index] = this.workerProcess(index).start();
    await this.workerServing(index);
  }

  /** A REST call to a worker; status 0 when it does not answer. */
  async rest(index: number, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    try {
      const response = await fetch(`http://${this.workerAddress(index)}:${REST_PORT}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : undefined };
    } catch {
      return { status: 0, json: undefined };
    }
  }

  /** Creates the connector as the operator does (PUT its config), with the database address moved to loopback. */
  async startConnector(): Promise<string> {
    const connector = this.of('KafkaConnector');
    // The Secret the rendered ${strimzisecrets:…} reference names, holding the same password the database has.
    this.writeDebeziumSecret(this.debeziumPassword);
    // The rendered host name stays (verify-full checks the certificate against it); the workers'
    // hosts file maps it to loopback. The CA file moves to the harness's.
    const { name, config } = connectorConfig(connector, { 'database.port': String(this.postgres.port), 'database.sslrootcert': this.postgres.ca.certificate });
    await eventually(
      async () => [200, 201].includes((await this.rest(0, 'PUT', `/connectors/${name}/config`, config)).status),
      60_000,
      () => `PUT /connectors/${name}/config`,
    );
    await eventually(
      () => this.connectorRunning(name, { failedTaskFails: true }),
      120_000,
      () => `${name} RUNNING; ${this.workers.map((w) => w.tail(15)).join('\n---\n')}`,
    );
    if (connector.spec.autoRestart?.enabled) this.autoRestart(name);
    return name;
  }

  /** Restarts the operator made for a failed task (spec.autoRestart), with their reasons. */
  readonly autoRestarts: string[] = [];
  private autoRestartTimer?: NodeJS.Timeout;

  /**
   * What the operator does for `autoRestart.enabled`: restart failed tasks. Strimzi does so on its
   * reconciliation with a growing back-off; here every 5 s, and each restart is recorded.
   */
  private autoRestart(name: string): void {
    this.autoRestartTimer = setInterval(async () => {
      const status = await this.connectorStatus(name);
      const failed = (status?.tasks ?? []).filter((t: any) => t.state === 'FAILED');
      if (failed.length === 0 && status?.connector?.state !== 'FAILED') return;
      this.autoRestarts.push(String(failed[0]?.trace ?? status?.connector?.trace ?? '').split('\n')[0]);
      await this.anyWorker('POST', `/connectors/${name}/restart?includeTasks=true&onlyFailed=true`);
    }, 5_000);
  }

  // ---- what the Strimzi operator does for the runbooks' steps (Connect's REST API, KIP-875) ----

  /** `spec.state: stopped` (Git): the operator stops the connector; its tasks end, its config stays. */
  async stopConnector(name: string): Promise<void> {
    await this.connectorRequest('PUT', `/connectors/${name}/stop`, [202, 204]);
    await eventually(
      async () => (await this.connectorStatus(name))?.connector?.state === 'STOPPED',
      60_000,
      () => `${name} STOPPED`,
    );
  }

  /** `spec.state: running` (Git) after a stop: the operator resumes it. */
  async resumeConnector(name: string): Promise<void> {
    await this.connectorRequest('PUT', `/connectors/${name}/resume`, [202, 204]);
    // A failed task may be restarted (autoRestart), so only the bound ends this wait.
    await eventually(
      () => this.connectorRunning(name, { failedTaskFails: false }),
      120_000,
      () => `${name} RUNNING again`,
    );
  }

  /** True when the connector and all its tasks run; `failedTaskFails`: a FAILED task throws with its trace. */
  private async connectorRunning(name: string, { failedTaskFails }: { failedTaskFails: boolean }): Promise<boolean> {
    const status = await this.connectorStatus(name);
    if (failedTaskFails && status?.tasks?.some((t: any) => t.state === 'FAILED')) throw new Error(`connector task failed: ${status.tasks.map((t: any) => t.trace).join('\n')}`);
    return status?.connector?.state === 'RUNNING' && status.tasks?.length > 0 && status.tasks.every((t: any) => t.state === 'RUNNING');
  }

  /** `strimzi.io/connector-offsets=reset` on a stopped connector: the operator deletes its offsets. */
  async resetOffsets(name: string): Promise<void> {
    await this.connectorRequest('DELETE', `/connectors/${name}/offsets`, [200]);
  }

  /** `strimzi.io/restart=true`: the operator restarts the connector and its tasks (config providers resolve again). */
  async restartConnector(name: string): Promise<void> {
    await this.connectorRequest('POST', `/connectors/${name}/restart?includeTasks=true`, [202, 204]);
  }

  private async connectorRequest(method: string, path: string, ok: number[]): Promise<void> {
    let last: { status: number; json: any } = { status: 0, json: undefined };
    await eventually(
      async () => ok.includes((last = await this.anyWorker(method, path)).status),
      60_000,
      () => `${method} ${path}: ${last.status} ${JSON.stringify(last.json)}`,
      1_000,
    );
  }

  /** Rotates the Debezium role's password the way a Secret update reaches both readers: the database pod's mount and Connect's config provider. */
  rotateDebeziumPassword(password: string): void {
    this.postgres.setPasswords({ debezium: password });
    this.writeDebeziumSecret(password);
  }

  /** Writes the Secret the connector's `${strimzisecrets:<namespace>/<name>:<key>}` reference names, where the stand-in provider reads it. */
  private writeDebeziumSecret(password: string): void {
    const reference = /^\$\{strimzisecrets:([^}]+)\}$/.exec(this.of('KafkaConnector').spec.config['database.password']);
    if (!reference) throw new Error('the rendered connector does not take its password from strimzisecrets');
    this.writeSecret(reference[1], password);
  }

  /** Index of the worker running the connector's task 0 (from the status the REST API reports). */
  async taskWorker(connector: string): Promise<number> {
    const status = await this.connectorStatus(connector);
    const id: string = status?.tasks?.[0]?.worker_id ?? '';
    const index = this.workers.findIndex((_, i) => id.startsWith(`${this.workerAddress(i)}:`));
    if (index < 0) throw new Error(`task 0 of ${connector} runs on no known worker (${id})`);
    return index;
  }

  /** A REST call answered by the first live worker. */
  async anyWorker(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    for (let i = 0; i < this.workers.length; i++) {
      if (!this.workers[i].alive) continue;
      const result = await this.rest(i, method, path, body);
      if (result.status !== 0) return result;
    }
    return { status: 0, json: undefined };
  }

  // ---- consumers ----

  /**
   * A consumer's rendered client config (its ConfigMap), with the KafkaAccess Secret's files in a
   * directory of the harness's in place of the mount, and the bootstrap address on loopback.
   */
  clientProperties(consumer: string, password = this.passwords.get(consumer) as string): { file: string; topics: string } {
    const configMap = this.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${consumer}-kafka-client`) as any;
    if (!configMap) throw new Error(`no ConfigMap ${consumer}-kafka-client`);
    const mount = /ssl\.truststore\.location=(.+)\/ssl\.truststore\.crt/.exec(configMap.data['client.properties'])?.[1] as string;
    const access = join(this.dir, `access-${consumer}-${randomBytes(3).toString('hex')}`);
    mkdirSync(access, { recursive: true });
    writeFileSync(join(access, 'ssl.truststore.crt'), readFileSync(this.certs.caPem));
    writeFileSync(join(access, 'sasl.jaas.config'), `org.apache.kafka.common.security.scram.ScramLoginModule required username="${consumer}" password="${password}";`);
    const properties = (configMap.data['client.properties'] as string).replaceAll(mount, access).replace(/^bootstrap\.servers=.*$/m, `bootstrap.servers=${this.bootstrapServers}`);
    const file = join(access, 'client.properties');
    writeFileSync(file, properties);
    return { file, topics: configMap.data.topics };
  }

  /** Starts a consumer process with a consumer's rendered client config; its records land in a JSON-lines file. */
  startConsumer(consumer: string): ConsumerRun {
    const { file, topics } = this.clientProperties(consumer);
    const out = join(this.dir, `${consumer}-${Date.now()}.jsonl`);
    const stop = `${out}.stop`;
    writeFileSync(out, '');
    const process = new ManagedProcess(`consumer ${consumer}`, this.bin.java, [...this.jvm(256), 'cdc8s.e2e.E2eTool', 'consume', file, topics, out, stop], `${out}.log`).start();
    return new ConsumerRun(process, out, stop, this.transactionTopic ? [this.transactionTopic] : []);
  }

  /** The transaction metadata topic, when the rendered connector provides it. */
  get transactionTopic(): string | undefined {
    const config = this.of('KafkaConnector').spec.config;
    return config['provide.transaction.metadata'] === true ? transactionTopicName(config['topic.prefix']) : undefined;
  }

  /** Runs a probe (produce or consume) with a client config; returns ALLOWED or DENIED <exception>. */
  probe(clientFile: string, ...action: string[]): string {
    return this.java('probe', 'cdc8s.e2e.E2eTool', ['probe', clientFile, ...action], false)
      .trim()
      .split('\n')
      .pop() as string;
  }

  /** Client properties for the Connect user, exactly as its worker authenticates. */
  connectUserProperties(): string {
    const connect = this.of('KafkaConnect');
    const file = join(this.dir, 'connect-user.properties');
    writeFileSync(
      file,
      [
        `bootstrap.servers=${this.bootstrapServers}`,
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${connect.spec.authentication.username}" password="${this.passwords.get(connect.spec.authentication.username)}";`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${this.certs.caPem}`,
      ].join('\n'),
    );
    return file;
  }

  // ---- processes ----

  private jvm(heapMb: number): string[] {
    return ['-Xms128m', `-Xmx${heapMb}m`, '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${join(this.dir, 'log4j2.properties')}`, '-cp', this.bin.classpath];
  }

  /** Runs a short-lived Java main to completion (bounded), where the strimzisecrets stand-in reads Secrets; returns its output. */
  private java(name: string, main: string, args: string[], check: boolean): string {
    const result = spawnSync(this.bin.java, [...this.jvm(256), main, ...args], { encoding: 'utf8', timeout: 120_000, cwd: this.secretsDir });
    const output = `${result.stdout}${result.stderr}`;
    if (check && result.status !== 0) throw new Error(`${name} (${main}) failed (${result.error?.message ?? result.status}):\n${output.split('\n').slice(-40).join('\n')}`);
    return result.stdout;
  }

  /** Ends every process by pid and removes the run's directory (kept with CDC8S_E2E_KEEP=1). */
  async stop(): Promise<void> {
    clearInterval(this.autoRestartTimer);
    // Consumers and probes too: every process this run started, by pid.
    await stopAll();
    await this.postgres?.stop();
    if (process.env.CDC8S_E2E_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A running consumer and the records it has written (one JSON line each; read incrementally, the file reaches hundreds of MB). */
export class ConsumerRun {
  private countedBytes = 0;
  private countedLines = 0;
  /** How the lines of records on topics that count() leaves out begin (the consumer writes `topic` first). */
  private readonly uncounted: Buffer[];

  constructor(
    readonly process: ManagedProcess,
    readonly out: string,
    private readonly stopFile: string,
    uncountedTopics: readonly string[] = [],
  ) {
    this.uncounted = uncountedTopics.map((topic) => Buffer.from(`{"topic":${JSON.stringify(topic)},`));
  }

  /** The file's length up to its last whole line: a mark for `records(from)`. */
  position(): number {
    return this.countedUpTo();
  }

  /** Records written from byte `from` on (whole lines only: the consumer may be writing the next one). */
  records(from = 0): ConsumedRecord[] {
    const records: ConsumedRecord[] = [];
    this.eachRecord(from, (r) => records.push(r));
    return records;
  }

  /** Calls `visit` with each record from byte `from` on, reading 16 MB at a time (a whole file can pass V8's string limit). */
  eachRecord(from: number, visit: (record: ConsumedRecord) => void): void {
    const end = this.countedUpTo();
    const fd = openSync(this.out, 'r');
    try {
      let rest = Buffer.alloc(0);
      for (let at = from; at < end;) {
        const chunk = Buffer.alloc(Math.min(16 * 2 ** 20, end - at));
        at += readSync(fd, chunk, 0, chunk.length, at);
        const data = Buffer.concat([rest, chunk]);
        const last = data.lastIndexOf(10);
        for (const line of data
          .subarray(0, last + 1)
          .toString('utf8')
          .split('\n'))
          if (line) visit(JSON.parse(line) as ConsumedRecord);
        rest = data.subarray(last + 1);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** How many change records (transaction metadata left out) it has written so far, counting only what was added since the last call. */
  count(): number {
    this.countedUpTo();
    return this.countedLines;
  }

  private countedUpTo(): number {
    const added = this.read(this.countedBytes);
    const last = added.lastIndexOf(10);
    let start = 0;
    for (let i = added.indexOf(10); i !== -1 && i <= last; i = added.indexOf(10, i + 1)) {
      if (!this.uncounted.some((prefix) => added.compare(prefix, 0, prefix.length, start, Math.min(start + prefix.length, i)) === 0)) this.countedLines++;
      start = i + 1;
    }
    this.countedBytes += last + 1;
    return this.countedBytes;
  }

  private read(from: number): Buffer {
    const fd = openSync(this.out, 'r');
    try {
      const length = Math.max(0, fstatSync(fd).size - from);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, from);
      return buffer;
    } finally {
      closeSync(fd);
    }
  }

  /** Asks it to stop after its next empty poll (it commits first), and waits (bounded). */
  async stop(): Promise<void> {
    writeFileSync(this.stopFile, '');
    await this.process.exited(60_000).catch(async () => this.process.stop());
  }
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly received: number;
  readonly key: string | null;
  readonly value: string | null;
}
