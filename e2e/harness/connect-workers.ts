import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RenderedObject } from '../../src/model/rendered-object';
import { Jvm } from './jvm';
import { Loopback } from './loopback';
import { jmxRulesFile, metricsAgentOption } from './metrics';
import { ManagedProcess } from './process';
import { connectWorkerProperties } from './strimzi';

const REST_PORT = 8083;

/** Bound on a worker serving its REST API (2 cores run eight JVMs). */
const WORKER_READY_MS = 180_000;

/** A REST answer; status 0 when no worker answered. */
export interface RestAnswer {
  readonly status: number;
  readonly json: any;
}

/** Where a worker finds the cluster: the brokers, the cluster CA and the JVMs' hosts file. */
export interface WorkerEnvironment {
  readonly bootstrapServers: string;
  readonly truststorePem: string;
  /** The JDK hosts file that maps the database Service's name to loopback. */
  readonly hostsFile: string;
}

/** The rendered KafkaConnect's workers (`spec.replicas`), each a JVM on its loopback address with the rendered worker config. */
export class ConnectWorkers {
  readonly processes: ManagedProcess[] = [];
  private readonly kafkaHome: string;

  constructor(
    private readonly dir: string,
    private readonly connect: RenderedObject,
    private readonly objects: readonly RenderedObject[],
    private readonly jvm: Jvm,
    private readonly loopback: Loopback,
    private readonly environment: () => WorkerEnvironment,
  ) {
    this.kafkaHome = join(dir, 'opt-kafka');
    mkdirSync(this.kafkaHome, { recursive: true });
  }

  async start(): Promise<void> {
    for (let i = 0; i < (this.connect.spec.replicas as number); i++) this.processes.push(this.process(i).start());
    await Promise.all(this.processes.map((_, i) => this.serving(i)));
  }

  async restart(index: number): Promise<void> {
    await this.stop(index, 'SIGTERM');
    await this.startAgain(index);
  }

  /** Stops a worker: SIGTERM is a graceful stop (its tasks stop and commit), SIGKILL a crash. */
  async stop(index: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    if (signal === 'SIGKILL') {
      this.processes[index].kill('SIGKILL');
      await this.processes[index].exited(30_000);
    } else {
      await this.processes[index].stop(60_000);
    }
  }

  /** Starts a worker again, at its address (it rejoins the group and gets its tasks back). */
  async startAgain(index: number): Promise<void> {
    this.processes[index] = this.process(index).start();
    await this.serving(index);
  }

  /** A worker's loopback address. */
  addressOf(index: number): string {
    return this.loopback.worker(index);
  }

  /** The index of the worker a Connect `worker_id` (`host:port`) names, or -1. */
  indexOf(workerId: string): number {
    return this.processes.findIndex((_, i) => workerId.startsWith(`${this.loopback.worker(i)}:`));
  }

  /** A REST call to one worker; status 0 when it does not answer (bounded: 10 s). */
  async rest(index: number, method: string, path: string, body?: unknown): Promise<RestAnswer> {
    try {
      const response = await fetch(`http://${this.loopback.worker(index)}:${REST_PORT}${path}`, {
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

  /** A REST call answered by the first live worker. */
  async any(method: string, path: string, body?: unknown): Promise<RestAnswer> {
    for (let i = 0; i < this.processes.length; i++) {
      if (!this.processes[i].alive) continue;
      const result = await this.rest(i, method, path, body);
      if (result.status !== 0) return result;
    }
    return { status: 0, json: undefined };
  }

  /** The last lines of every worker's log (for failure messages). */
  tails(lines = 15): string {
    return this.processes.map((w) => w.tail(lines)).join('\n---\n');
  }

  private process(index: number): ManagedProcess {
    const environment = this.environment();
    const properties = join(this.dir, `connect-${index}.properties`);
    // The JMX exporter as Strimzi attaches it when the KafkaConnect renders metricsConfig.
    const rules = jmxRulesFile(this.objects, this.connect, this.dir);
    return this.jvm.process(`connect worker ${index}`, {
      heapMb: 768,
      main: 'org.apache.kafka.connect.cli.ConnectDistributed',
      args: [this.writeProperties(properties, index, environment)],
      jvmOptions: [`-Djdk.net.hosts.file=${environment.hostsFile}`, ...(rules ? [metricsAgentOption(this.jvm.bin.metricsAgent, this.loopback.worker(index), rules)] : [])],
      log: `connect-${index}.log`,
    });
  }

  private writeProperties(file: string, index: number, environment: WorkerEnvironment): string {
    const text = connectWorkerProperties(this.connect, {
      bootstrapServers: environment.bootstrapServers,
      truststorePem: environment.truststorePem,
      restHost: this.loopback.worker(index),
      restPort: REST_PORT,
      pluginPath: this.jvm.bin.pluginPath,
      secretsDir: this.jvm.secretsDir,
      kafkaHome: this.kafkaHome,
    });
    writeFileSync(file, text);
    return file;
  }

  /** Waits (bounded) until a worker answers on its REST API. */
  private serving(index: number): Promise<void> {
    return this.processes[index].waitFor('serving REST', async () => (await this.rest(index, 'GET', '/connectors')).status === 200, WORKER_READY_MS);
  }
}
