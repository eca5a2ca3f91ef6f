import { spawn } from 'node:child_process';
import type { Command } from './postgres-server';
import { ConsumedRecord } from './pipeline';

/** The captured tables' schema: every row carries a version the writers bump on each update. */
export const TABLES_DDL = `
CREATE TABLE public.accounts (id bigint PRIMARY KEY, version integer NOT NULL, balance bigint NOT NULL);
CREATE TABLE public.transactions (id bigint PRIMARY KEY, version integer NOT NULL, account_id bigint NOT NULL, amount bigint NOT NULL);
CREATE TABLE public.audit_log (id bigserial PRIMARY KEY, note text NOT NULL);`;

/** What a key's topic must carry, in order: snapshot read / create / updates / delete, and the tombstone. */
export type ExpectedEvent = { op: 'r' | 'c' | 'u'; version: number } | { op: 'd' } | { op: 'tombstone' };

/** A deterministic workload: per writer, a list of single-statement transactions; per key, the events they must produce. */
export class Workload {
  readonly scripts: string[][] = [];
  readonly expected = new Map<string, ExpectedEvent[]>();
  private readonly live = new Map<string, number>();
  private nextId = 1;
  private seed: number;

  constructor(seed = 42) {
    this.seed = seed;
  }

  /** Rows written before the connector starts: they must arrive as snapshot reads. */
  snapshotRows(count: number): string {
    const statements: string[] = [];
    for (let i = 0; i < count; i++) {
      const table = i % 2 === 0 ? 'transactions' : 'accounts';
      const id = this.nextId++;
      statements.push(insert(table, id));
      this.live.set(key(table, id), 1);
      this.expected.set(key(table, id), [{ op: 'r', version: 1 }]);
    }
    return statements.join('\n');
  }

  /** `operations` inserts, updates and deletes split across `writers`, each writer owning its keys. */
  stream(operations: number, writers: number): void {
    const owned: string[][] = Array.from({ length: writers }, () => []);
    [...this.live.keys()].forEach((k, i) => owned[i % writers].push(k));
    this.scripts.length = 0;
    for (let w = 0; w < writers; w++) this.scripts[w] = [];
    for (let i = 0; i < operations; i++) {
      const w = i % writers;
      const mine = owned[w];
      const roll = this.random();
      if (mine.length < 5 || roll < 0.5) {
        const table = this.random() < 0.7 ? 'transactions' : 'accounts';
        const id = this.nextId++;
        const k = key(table, id);
        this.scripts[w].push(insert(table, id));
        this.live.set(k, 1);
        this.expected.set(k, [...(this.expected.get(k) ?? []), { op: 'c', version: 1 }]);
        mine.push(k);
      } else {
        const index = Math.floor(this.random() * mine.length);
        const k = mine[index];
        const [table, id] = k.split(':');
        if (roll < 0.85) {
          const version = (this.live.get(k) as number) + 1;
          this.live.set(k, version);
          this.scripts[w].push(`UPDATE public.${table} SET version = ${version}, ${table === 'accounts' ? 'balance = balance + 1' : 'amount = amount + 1'} WHERE id = ${id};`);
          (this.expected.get(k) as ExpectedEvent[]).push({ op: 'u', version });
        } else {
          this.live.delete(k);
          mine.splice(index, 1);
          this.scripts[w].push(`DELETE FROM public.${table} WHERE id = ${id};`);
          (this.expected.get(k) as ExpectedEvent[]).push({ op: 'd' }, { op: 'tombstone' });
        }
      }
    }
  }

  /**
   * `count` new rows of `table` that the caller inserts in a transaction of its own (`INSERT`
   * statements, or the rows of a COPY): each must arrive as a create.
   */
  newRows(table: 'accounts' | 'transactions', count: number): { statements: string[]; copy: string } {
    const ids = Array.from({ length: count }, () => this.nextId++);
    for (const id of ids) {
      this.live.set(key(table, id), 1);
      this.expected.set(key(table, id), [{ op: 'c', version: 1 }]);
    }
    const columns = table === 'accounts' ? 'id, version, balance' : 'id, version, account_id, amount';
    const row = (id: number) => (table === 'accounts' ? `${id}\t1\t0` : `${id}\t1\t${id % 97}\t${id}`);
    return {
      statements: ids.map((id) => insert(table, id)),
      // COPY writes the rows with multi-insert WAL records: a heap page of rows shares one LSN.
      copy: `COPY public.${table} (${columns}) FROM STDIN;\n${ids.map(row).join('\n')}\n\\.`,
    };
  }

  /** How many records the expected events make, across all keys (tombstones included). */
  eventCount(): number {
    return [...this.expected.values()].reduce((n, events) => n + events.length, 0);
  }

  /** The rows that must be in the database at the end: key → version. */
  finalRows(): Map<string, number> {
    return new Map(this.live);
  }

  /** A small LCG: the same workload every run. */
  private random(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return this.seed / 2147483648;
  }
}

function insert(table: string, id: number): string {
  return table === 'accounts'
    ? `INSERT INTO public.accounts (id, version, balance) VALUES (${id}, 1, 0);`
    : `INSERT INTO public.transactions (id, version, account_id, amount) VALUES (${id}, 1, ${id % 97}, ${id});`;
}

export function key(table: string, id: number | string): string {
  return `${table}:${id}`;
}

/** Runs each writer's statements through its own psql session (`client`: the application's login), all at once; resolves when all have committed (bounded). */
export function runWriters(scripts: readonly string[][], client: Command, timeoutMs: number, pauseSeconds = 0): Promise<void> {
  return Promise.all(
    scripts.map(
      (script) =>
        new Promise<void>((done, fail) => {
          // A pause between transactions spreads the writes over time, so a fault lands mid-stream.
          const statements = pauseSeconds > 0 ? script.flatMap((s) => [s, `SELECT pg_sleep(${pauseSeconds});`]) : script;
          const psql = spawn(client.command, [...client.args], { env: client.env, timeout: timeoutMs, stdio: ['pipe', 'ignore', 'pipe'] });
          let stderr = '';
          psql.stderr?.on('data', (chunk) => {
            stderr += chunk;
          });
          psql.on('close', (code) => (code === 0 ? done() : fail(new Error(`writer psql exited ${code}: ${stderr.slice(-2000)}`))));
          psql.stdin?.end(`${statements.join('\n')}\n`);
        }),
    ),
  ).then(() => undefined);
}

/** A consumed record decoded: which row, and what happened to it. */
export interface ChangeEvent {
  readonly key: string;
  readonly event: ExpectedEvent;
  /** Commit time in PostgreSQL (source.ts_ms), for latency. */
  readonly committedAt?: number;
  readonly received: number;
}

/** Decodes Debezium's JSON (schemas enabled) records of the captured tables; transaction metadata (BEGIN, END) is left out. */
export function decode(records: readonly ConsumedRecord[]): ChangeEvent[] {
  return records.flatMap((record): ChangeEvent[] => {
    const table = record.topic.split('.').pop() as string;
    const id = JSON.parse(record.key as string).payload.id;
    if (record.value === null) return [{ key: key(table, id), event: { op: 'tombstone' }, received: record.received }];
    const payload = JSON.parse(record.value).payload;
    if (payload.status === 'BEGIN' || payload.status === 'END') return [];
    const event: ExpectedEvent = payload.op === 'd' ? { op: 'd' } : { op: payload.op, version: payload.after.version };
    return [{ key: key(table, id), event, committedAt: payload.source?.ts_ms, received: record.received }];
  });
}

/** Per key, the differences between what arrived and what must have: lost, duplicated or reordered events. */
export function compare(expected: ReadonlyMap<string, ExpectedEvent[]>, events: readonly ChangeEvent[]): string[] {
  const actual = new Map<string, ExpectedEvent[]>();
  for (const e of events) actual.set(e.key, [...(actual.get(e.key) ?? []), e.event]);
  const problems: string[] = [];
  for (const [k, want] of expected) {
    const got = actual.get(k) ?? [];
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${k}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  for (const k of actual.keys()) if (!expected.has(k)) problems.push(`${k}: unexpected events ${JSON.stringify(actual.get(k))}`);
  return problems;
}
