import { RenderedObject } from '../../src/model/rendered-object';
import { ConnectWorkers, RestAnswer } from './connect-workers';
import { eventually } from './process';
import { connectorConfig } from './strimzi';

/** The connector's and its tasks' states, as GET /connectors/<name>/status reports them. */
export interface ConnectorStatus {
  readonly connector?: { state: string; trace?: string };
  readonly tasks?: { id: number; state: string; worker_id: string; trace?: string }[];
}

/**
 * What the Strimzi operator does for the rendered KafkaConnector, through Connect's REST API
 * (KIP-875 for stop, resume and offsets): create it, `spec.state`, its annotations and
 * `spec.autoRestart`.
 */
export class ConnectorOperator {
  /** Restarts made for a failed task (spec.autoRestart), with their reasons. */
  readonly autoRestarts: string[] = [];
  private autoRestartTimer?: NodeJS.Timeout;

  constructor(
    private readonly connector: RenderedObject,
    private readonly workers: ConnectWorkers,
  ) {}

  get name(): string {
    return this.connector.metadata.name;
  }

  /**
   * Creates the connector as the operator does (PUT its config), with the database's port and CA
   * file moved to the harness's (the host name stays: verify-full checks it, and the workers' hosts
   * file maps it to loopback). Resolves once the config is accepted: a start that is expected to
   * block (a snapshot waiting on a lock) is watched with `status()`; `start()` also waits for RUNNING.
   */
  async create(database: { port: number; caFile: string }): Promise<string> {
    const { name, config } = connectorConfig(this.connector, { 'database.port': String(database.port), 'database.sslrootcert': database.caFile });
    await eventually(
      async () => [200, 201].includes((await this.workers.rest(0, 'PUT', `/connectors/${name}/config`, config)).status),
      60_000,
      () => `PUT /connectors/${name}/config`,
    );
    if (this.connector.spec.autoRestart?.enabled) this.autoRestart();
    return name;
  }

  /** `create`, then `waitRunning`. */
  async start(database: { port: number; caFile: string }): Promise<string> {
    const name = await this.create(database);
    await this.waitRunning();
    return name;
  }

  /** Waits (bounded) until the connector and its task run; a FAILED task throws with its trace. */
  async waitRunning(timeoutMs = 120_000): Promise<void> {
    await eventually(
      () => this.running({ failedTaskFails: true }),
      timeoutMs,
      () => `${this.name} RUNNING; ${this.workers.tails()}`,
    );
  }

  /** GET /connectors/<name>/status from any live worker (undefined: none answered). */
  async status(): Promise<ConnectorStatus | undefined> {
    return (await this.workers.any('GET', `/connectors/${this.name}/status`)).json;
  }

  /** The state Connect's REST API reports for task 0 (what Strimzi's status shows). */
  async taskState(): Promise<string> {
    return (await this.status())?.tasks?.[0]?.state ?? 'none';
  }

  /** Index of the worker running task 0. */
  async taskWorker(): Promise<number> {
    const id = (await this.status())?.tasks?.[0]?.worker_id ?? '';
    const index = this.workers.indexOf(id);
    if (index < 0) throw new Error(`task 0 of ${this.name} runs on no known worker (${id})`);
    return index;
  }

  /** `spec.state: stopped` (Git): the operator stops the connector; its tasks end, its config stays. */
  async stop(): Promise<void> {
    await this.request('PUT', `/connectors/${this.name}/stop`, [202, 204]);
    await eventually(
      async () => (await this.status())?.connector?.state === 'STOPPED',
      60_000,
      () => `${this.name} STOPPED`,
    );
  }

  /** `spec.state: running` (Git) after a stop: the operator resumes it. */
  async resume(): Promise<void> {
    await this.request('PUT', `/connectors/${this.name}/resume`, [202, 204]);
    // A failed task may be restarted (autoRestart), so only the bound ends this wait.
    await eventually(
      () => this.running({ failedTaskFails: false }),
      120_000,
      () => `${this.name} RUNNING again`,
    );
  }

  /** `strimzi.io/connector-offsets=reset` on a stopped connector: the operator deletes its offsets. */
  async resetOffsets(): Promise<void> {
    await this.request('DELETE', `/connectors/${this.name}/offsets`, [200]);
  }

  /** `strimzi.io/restart=true`: the operator restarts the connector and its tasks (config providers resolve again). */
  async restart(): Promise<void> {
    await this.request('POST', `/connectors/${this.name}/restart?includeTasks=true`, [202, 204]);
  }

  /** Ends the auto-restart loop. */
  close(): void {
    clearInterval(this.autoRestartTimer);
  }

  /** True when the connector and all its tasks run; `failedTaskFails`: a FAILED task throws with its trace. */
  private async running({ failedTaskFails }: { failedTaskFails: boolean }): Promise<boolean> {
    const status = await this.status();
    if (failedTaskFails && status?.tasks?.some((t) => t.state === 'FAILED')) throw new Error(`connector task failed: ${status.tasks.map((t) => t.trace).join('\n')}`);
    return status?.connector?.state === 'RUNNING' && (status.tasks?.length ?? 0) > 0 && (status.tasks ?? []).every((t) => t.state === 'RUNNING');
  }

  /**
   * What the operator does for `autoRestart.enabled`: restart failed tasks. Strimzi does so on its
   * reconciliation with a growing back-off; here every 5 s, and each restart is recorded.
   */
  private autoRestart(): void {
    clearInterval(this.autoRestartTimer);
    this.autoRestartTimer = setInterval(async () => {
      const status = await this.status();
      const failed = (status?.tasks ?? []).filter((t) => t.state === 'FAILED');
      if (failed.length === 0 && status?.connector?.state !== 'FAILED') return;
      this.autoRestarts.push(String(failed[0]?.trace ?? status?.connector?.trace ?? '').split('\n')[0]);
      await this.workers.any('POST', `/connectors/${this.name}/restart?includeTasks=true&onlyFailed=true`);
    }, 5_000);
  }

  private async request(method: string, path: string, ok: number[]): Promise<void> {
    let last: RestAnswer = { status: 0, json: undefined };
    await eventually(
      async () => ok.includes((last = await this.workers.any(method, path)).status),
      60_000,
      () => `${method} ${path}: ${last.status} ${JSON.stringify(last.json)}`,
      1_000,
    );
  }
}
