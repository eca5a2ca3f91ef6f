import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A command measured as whole processes: its steps run one after another and count as one sample. */
export interface BenchCommand {
  readonly id: string;
  /** What a reader sees in the table. */
  readonly label: string;
  /** argv of each step (e.g. three `helm template` calls); the sample is their total wall time. */
  readonly steps: readonly (readonly string[])[];
  /** Called before every run (warm-up included, not timed) for a fresh working directory or environment. */
  readonly freshRun?: () => { readonly cwd?: string; readonly env?: Readonly<Record<string, string>> };
}

export interface Sample {
  readonly seconds: number;
  /** Largest single Node process of the run (MiB); undefined when no Node process ran (helm). */
  readonly peakMiB?: number;
  readonly stdout: string;
}

/** Minimum, median and maximum of a series. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Runs commands as processes and measures wall time (monotonic clock around each step) and the
 * peak memory each Node process reports through the preloaded probe.
 */
export class ProcessTimer {
  private readonly rssFile: string;

  constructor(
    private readonly cwd: string,
    workDir: string,
    private readonly probe: string,
  ) {
    this.rssFile = join(workDir, 'peak-rss.txt');
  }

  run(command: BenchCommand): Sample {
    writeFileSync(this.rssFile, '');
    const fresh = command.freshRun?.();
    const cwd = fresh?.cwd ?? this.cwd;
    const env = {
      ...process.env,
      ...fresh?.env,
      NODE_OPTIONS: `--require "${this.probe}"`,
      CDC8S_BENCH_RSS_FILE: this.rssFile,
    };
    let seconds = 0;
    let stdout = '';
    for (const [program, ...args] of command.steps) {
      const start = process.hrtime.bigint();
      const result = spawnSync(program, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
      seconds += Number(process.hrtime.bigint() - start) / 1e9;
      if (result.status !== 0) {
        throw new Error(`${command.label}: ${[program, ...args].join(' ')} exited ${result.status ?? result.signal}:\n${result.stderr}${result.error ?? ''}`);
      }
      stdout += result.stdout;
    }
    const kib = readFileSync(this.rssFile, 'utf8').split('\n').filter(Boolean).map(Number);
    return { seconds, stdout, peakMiB: kib.length > 0 ? Math.max(...kib) / 1024 : undefined };
  }
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/**
 * The ratio a/b taken run by run (a and b ran back to back in the same round), then its median:
 * a drift in machine speed during the bench moves both halves of a pair alike.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): Spread {
  if (a.length !== b.length) throw new Error(`unpaired series (${a.length} and ${b.length} runs)`);
  return spread(a.map((x, i) => x / b[i]));
}

/**
 * Runs a group of commands in rounds, each command once per round in order (A B C A B C …), after
 * `warmup` uncounted rounds, so that every ratio within the group is pairwise.
 */
export function runRounds(timer: ProcessTimer, commands: readonly BenchCommand[], runs: number, warmup: number): Map<string, Sample[]> {
  const samples = new Map(commands.map((c) => [c.id, [] as Sample[]]));
  for (let round = 0; round < warmup + runs; round++) {
    for (const command of commands) {
      const sample = timer.run(command);
      if (round >= warmup) samples.get(command.id)?.push(sample);
    }
  }
  return samples;
}
