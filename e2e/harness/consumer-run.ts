import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { ManagedProcess } from './process';

/** A record as the harness's consumer writes it (one JSON line). Header values are UTF-8. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly received: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string | null>>;
}

/** Parses JSON lines of records (the `read` tool's output, a consumer's file). */
export function parseRecords(text: string): ConsumedRecord[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as ConsumedRecord);
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
        for (const record of parseRecords(data.subarray(0, last + 1).toString('utf8'))) visit(record);
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
