import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** Every process the harness started and has not seen exit: ended by pid when the run ends, whatever happens. */
const running = new Set<ManagedProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** A process the harness started, with its output in a log file and a bounded wait for readiness. */
export class ManagedProcess {
  private child?: ChildProcess;
  private exit?: Promise<number | null>;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: readonly string[],
    readonly logFile: string,
    /**
     * `uid`/`gid`: run as another user; `group`: a process group of its own, signalled as a whole (a
     * shell script's children too); `stopSignal`: what `stop` sends first (a container's STOPSIGNAL).
     */
    private readonly options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; group?: boolean; stopSignal?: NodeJS.Signals } = {},
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): this {
    const log = openSync(this.logFile, 'a');
    const { cwd, env, uid, gid, group } = this.options;
    this.child = spawn(this.command, this.args, { cwd, env: env ?? process.env, uid, gid, detached: group === true, stdio: ['ignore', log, log] });
    closeSync(log);
    running.add(this);
    this.exit = new Promise((done) =>
      this.child?.once('exit', (code) => {
        running.delete(this);
        done(code);
      }),
    );
    return this;
  }

  /** Sends a signal to this process's pid (never by name). */
  kill(signal: NodeJS.Signals): void {
    // A group's id is its leader's pid: -pid reaches the script and the children it is waiting on.
    if (this.alive && this.child?.pid) process.kill(this.options.group ? -this.child.pid : this.child.pid, signal);
  }

  /** Its stop signal (SIGTERM unless given), then SIGKILL when it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.alive) return;
    this.kill(this.options.stopSignal ?? 'SIGTERM');
    if ((await within(this.exit as Promise<unknown>, graceMs)) === 'timeout') {
      this.kill('SIGKILL');
      await within(this.exit as Promise<unknown>, 5_000);
    }
  }

  /** Resolves when the process has exited (bounded). */
  async exited(timeoutMs: number): Promise<number | null> {
    const result = await within(this.exit as Promise<number | null>, timeoutMs);
    if (result === 'timeout') throw this.failure(`did not exit within ${timeoutMs / 1000} s`);
    return result as number | null;
  }

  /** Polls `ready` until it holds; fails with the tail of the log when the process exits or time runs out. */
  async waitFor(what: string, ready: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw this.failure(`exited (${this.child?.exitCode ?? this.child?.signalCode}) before ${what}`);
      if (await ready()) return;
      await sleep(250);
    }
    throw this.failure(`not ${what} within ${timeoutMs / 1000} s`);
  }

  /** Everything the process has logged. */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /** The last lines of the log, for failure messages. */
  tail(lines = 40): string {
    return this.log().split('\n').slice(-lines).join('\n') || '(no log)';
  }

  failure(message: string): Error {
    return new Error(`${this.name} (pid ${this.pid}) ${message}; last lines of ${this.logFile}:\n${this.tail()}`);
  }
}

/** Ends every process still running, by pid: for afterAll. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => done('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether something accepts TCP connections at host:port (a bounded attempt). */
export function listening(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 1_000 });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
  });
}

/** Polls until `check` holds; throws `describe()` when `timeoutMs` passes. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, describe: () => string, intervalMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(intervalMs);
  }
  throw new Error(`not within ${timeoutMs / 1000} s: ${describe()}`);
}
