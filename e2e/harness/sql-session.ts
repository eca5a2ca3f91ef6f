import { ChildProcess, spawn } from 'node:child_process';
import type { Command } from './postgres-server';
import { eventually } from './process';

/**
 * One psql session kept open between steps, as an application holds a transaction open: each
 * `run` sends statements and resolves when psql has executed them (a marker it echoes after).
 */
export class SqlSession {
  private readonly child: ChildProcess;
  private output = '';
  private errors = '';
  private marks = 0;

  constructor(client: Command) {
    this.child = spawn(client.command, [...client.args], { env: client.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk) => {
      this.output += chunk;
    });
    this.child.stderr?.on('data', (chunk) => {
      this.errors += chunk;
    });
  }

  /** Runs `sql` in the session (bounded; a missing final semicolon is added, except after a backslash line such as COPY's `\.`); returns what psql printed for it, or throws with psql's errors when it reports one. */
  async run(sql: string, timeoutMs = 60_000): Promise<string> {
    const mark = `cdc8s-session-mark-${++this.marks}\n`;
    const from = this.output.length;
    // psql runs a statement at its semicolon: without one it would wait in the query buffer past
    // the mark. A COPY's data ends with its own terminator line (\.), after which psql takes no `;`.
    const last = sql.trimEnd().split('\n').pop() ?? '';
    const terminated = last.endsWith(';') || last.startsWith('\\') ? sql : `${sql};`;
    this.child.stdin?.write(`${terminated}\n\\echo ${mark}`);
    await eventually(
      () => this.output.includes(mark) || this.child.exitCode !== null,
      timeoutMs,
      () => `psql session did not finish: ${sql.slice(0, 200)}; ${this.errors.slice(-500)}`,
      50,
    );
    if (this.errors.includes('ERROR') || this.child.exitCode !== null) throw new Error(`psql session failed: ${this.errors.slice(-2000)}`);
    return this.output.slice(from, this.output.indexOf(mark, from)).trim();
  }

  /** Ends the session (psql exits at the end of its input). */
  close(): void {
    this.child.stdin?.end();
  }
}
