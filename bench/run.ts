/**
 * `npm run bench [-- --runs 7] [--warmup 1] [--scale 1,10,100,500] [--results <file>] [--quick]`
 * `npm run bench -- --e2e [--runs 3] [--results <file>]`: the data-plane rows instead (bench/data-plane.ts:
 * the rendered pipeline on real Kafka, Connect, Debezium and PostgreSQL; minutes, needs Java and Maven)
 * `npm run bench -- --wal-idle [--minutes 15]`: WAL segments an idle database archives per hour (bench/wal-idle.ts)
 *
 * Times cdc8s as users run it, as whole processes (start-up included), against the yardsticks
 * they compare it with: `helm template` of the same charts, and the floor, Node loading
 * cdk8s-plus-27. Commands of a group run in rounds (A B C A B C …) after warm-up rounds; each row
 * is a median, and each ratio the median of the per-round ratios. Prints a Markdown table and
 * writes bench/results.json and the table in docs/development.md (with --results <file>: only that file).
 * Measures; never asserts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../src/model/package-root';
import { sharedDir } from '../src/validate/sources';
import { benchDataPlane, DataPlaneResults, LatencyRow } from './data-plane';
import { benchWalIdle, formatWalIdle } from './wal-idle';
import { BenchCommand, pairedRatio, ProcessTimer, runRounds, Sample, Spread, spread } from './measure';
import { copyProject } from './project-copy';
import { scaleConfigText } from './scale-config';

const ROOT = packageRoot();
const DEFAULT_RESULTS = join(ROOT, 'bench', 'results.json');
const README = join(ROOT, 'docs', 'development.md');
const README_BEGIN = '<!-- bench:begin -->';
const README_END = '<!-- bench:end -->';
const DEFAULT_OPTIONS: BenchOptions = { e2e: false, walIdleMinutes: 0, runs: 7, warmup: 1, scales: [1, 10, 100, 500], results: DEFAULT_RESULTS };
const DEFAULT_E2E_RESULTS = join(ROOT, 'bench', 'results-data-plane.json');
const README_E2E_BEGIN = '<!-- bench-data-plane:begin -->';
const README_E2E_END = '<!-- bench-data-plane:end -->';

/** Data-plane windows per rate unless --runs says otherwise (each window is 15 s of writes). */
const DATA_PLANE_WINDOWS = 3;

interface BenchOptions {
  /** The data-plane rows (--e2e) instead of the synth rows. */
  readonly e2e: boolean;
  /** Minutes of the idle-WAL measurement (--wal-idle); 0: not that. */
  readonly walIdleMinutes: number;
  readonly runs: number;
  readonly warmup: number;
  readonly scales: readonly number[];
  readonly results: string;
}

interface CommandResult {
  readonly id: string;
  readonly label: string;
  readonly command: string;
  readonly seconds: Spread;
  readonly peakMiB?: Spread;
}

interface RatioResult {
  readonly label: string;
  readonly ratio: Spread;
}

interface ScaleResult {
  /** Consumers, and captured tables. */
  readonly n: number;
  readonly objects: number;
  readonly seconds: Spread;
  readonly peakMiB?: Spread;
  /** Median time added per consumer+table since the previous size, in milliseconds. */
  readonly msPerAddedConsumer?: number;
}

interface BenchResults {
  readonly date: string;
  readonly machine: Record<string, string | number>;
  readonly runs: number;
  readonly warmup: number;
  readonly commands: readonly CommandResult[];
  readonly ratios: readonly RatioResult[];
  readonly scale: readonly ScaleResult[];
}

function parseOptions(argv: readonly string[]): BenchOptions {
  let options: BenchOptions = { ...DEFAULT_OPTIONS };
  const count = (flag: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}, got ${value}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--runs':
        options = { ...options, runs: count(flag, argv[++i], 1) };
        break;
      case '--warmup':
        options = { ...options, warmup: count(flag, argv[++i], 0) };
        break;
      case '--scale':
        options = { ...options, scales: (argv[++i] ?? '').split(',').map((s) => count(flag, s, 1)) };
        break;
      case '--results':
        options = { ...options, results: resolve(argv[++i] ?? '') };
        break;
      // A check that the bench runs (CI), not a measurement.
      case '--quick':
        options = { ...options, runs: 1, warmup: 0, scales: [1, 10] };
        break;
      case '--e2e':
        options = { ...options, e2e: true };
        break;
      case '--wal-idle':
        options = { ...options, walIdleMinutes: options.walIdleMinutes || 15 };
        break;
      case '--minutes':
        options = { ...options, walIdleMinutes: count(flag, argv[++i], 1) };
        break;
      default:
        throw new Error(`unknown argument ${flag} (known: --runs N, --warmup N, --scale 1,10,100, --results <file>, --quick, --e2e, --wal-idle [--minutes N])`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.e2e) return mainDataPlane(options);
  if (options.walIdleMinutes > 0) {
    const rows = await benchWalIdle(options.walIdleMinutes, progress);
    process.stdout.write(`${formatWalIdle(rows)}\n`);
    writeFileSync(join(ROOT, 'bench', 'results-wal-idle.json'), `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
    return;
  }
  const { helmBinary } = await import(pathToFileURL(join(ROOT, 'scripts', 'helm.mjs')).href);
  const helm: string = helmBinary();
  const work = mkdtempSync(join(tmpdir(), 'cdc8s-bench-'));
  try {
    const results = measure(options, helm, work);
    const table = formatTables(results);
    process.stdout.write(`${table}\n`);
    mkdirSync(resolve(options.results, '..'), { recursive: true });
    writeFileSync(options.results, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`bench: wrote ${relative(process.cwd(), options.results)}\n`);
    if (options.results === DEFAULT_RESULTS) updateReadme(table, README_BEGIN, README_END);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `--e2e`: the data-plane rows, written to their own results file and README block. */
async function mainDataPlane(options: BenchOptions): Promise<void> {
  const results = options.results === DEFAULT_RESULTS ? DEFAULT_E2E_RESULTS : options.results;
  const rounds = options.runs === DEFAULT_OPTIONS.runs ? DATA_PLANE_WINDOWS : options.runs;
  const measured = await benchDataPlane({ rates: [200, 1_000], windows: rounds, windowSeconds: 15, ramp: [1_000, 2_000, 4_000, 8_000] }, progress);
  const table = formatDataPlane(measured, rounds);
  process.stdout.write(`${table}\n`);
  writeFileSync(results, `${JSON.stringify({ date: new Date().toISOString(), machine: machine('npm'), ...measured }, null, 2)}\n`);
  process.stdout.write(`bench: wrote ${relative(process.cwd(), results)}\n`);
  if (results === DEFAULT_E2E_RESULTS) updateReadme(table, README_E2E_BEGIN, README_E2E_END);
}

/** The stages of bench/data-plane.ts's Stages: commit → Debezium → producer send → consumer. */
function stageMs(row: LatencyRow): string {
  const { capture, queue, deliver } = row.stagesP50Ms;
  return `${Math.round(capture.median)} / ${Math.round(queue.median)} / ${Math.round(deliver.median)} ms`;
}

function formatDataPlane(results: DataPlaneResults, rounds: number): string {
  const ms = (s: Spread) => `${Math.round(s.median)} ms (${Math.round(s.min)}–${Math.round(s.max)})`;
  return [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model.trim()} (${cpus().length} cores): the rendered EKS data plane on one machine ` +
      `(6 KRaft nodes, 2 Connect workers, PostgreSQL, a consumer); latency from PostgreSQL commit to the consumer; medians of ${rounds} windows of 15 s (min–max).`,
    '',
    '| settings | target rows/s | achieved rows/s | p50 | p99 | median event: capture / queue / deliver |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...results.latency.map((r) => `| ${r.variant} | ${r.targetRate} | ${Math.round(r.achievedRate.median)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${stageMs(r)} |`),
    '',
    '| settings | sustained rows/s, p99 ≤ 1 s | sustained rows/s, p50 ≤ 1 s | ramp (target → achieved rows/s: p50 / p99) |',
    '| --- | ---: | ---: | --- |',
    ...results.sustained.map(
      (r) =>
        `| ${r.variant} | ${r.p99Within1s || 'none'} | ${r.p50Within1s || 'none'} | ${r.steps.map((s) => `${s.target} → ${s.achieved}: ${s.p50Ms} / ${s.p99Ms} ms`).join('; ')} |`,
    ),
  ].join('\n');
}

function measure(options: BenchOptions, helm: string, work: string): BenchResults {
  const timer = new ProcessTimer(ROOT, work, join(ROOT, 'lib', 'bench', 'peak-rss.js'));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const node = process.execPath;
  const envs = readdirSync(join(ROOT, 'environments'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
  const out = join(work, 'out');
  const one = envs.includes('eks') ? 'eks' : envs[0];
  const chart = (env: string) => join(out, 'helm', `cdc8s-${env}`);

  const synthAll: BenchCommand = {
    id: 'synth',
    label: `1. npm run synth: ${envs.length} environments (manifests, Helm, Argo CD, schema validation, policy)`,
    steps: [[npm, 'run', '-s', 'synth', '--', '--out', out]],
  };
  const synthOne: BenchCommand = {
    id: 'synth-direct',
    label: `2. synth entry point, no npm: ${one}`,
    steps: [[node, 'lib/src/cli/synth.js', '--env', one, '--out', join(work, 'out-one')]],
  };
  const helmOne: BenchCommand = { id: 'helm-template', label: `3a. helm template: ${one} umbrella chart`, steps: [[helm, 'template', 'cdc8s', chart(one)]] };
  const helmAll: BenchCommand = {
    id: 'helm-template-all',
    label: `3b. helm template: the ${envs.length} charts one after another`,
    steps: envs.map((env) => [helm, 'template', 'cdc8s', chart(env)]),
  };
  const floor: BenchCommand = { id: 'floor', label: `4a. floor: node -e "require('cdk8s-plus-27')"`, steps: [[node, '-e', "require('cdk8s-plus-27')"]] };
  const floorNpm: BenchCommand = { id: 'floor-npm', label: '4b. floor through npm: npm run bench:floor', steps: [[npm, 'run', '-s', 'bench:floor']] };
  const synthColdCache: BenchCommand = {
    id: 'synth-empty-cache',
    label: '1b. npm run synth with an empty validator cache (after the schemas, Ajv or the validate code change)',
    steps: synthAll.steps,
    freshRun: () => ({ env: { CDC8S_CACHE_DIR: mkdtempSync(join(work, 'cache-')) } }),
  };
  const synthFreshClone: BenchCommand = {
    id: 'synth-fresh-clone',
    label: '1c. first npm run synth of a fresh clone after npm ci (compiles the TypeScript, generates every validator; the peak is tsc)',
    steps: [[npm, 'run', '-s', 'synth', '--', '--out', 'out']],
    freshRun: () => {
      const clone = mkdtempSync(join(work, 'clone-'));
      copyProject(ROOT, clone);
      return { cwd: clone, env: { CDC8S_CACHE_DIR: join(clone, 'cache'), CDC8S_SHARED_DIR: resolve(sharedDir()) } };
    },
  };

  progress('preparing: one synth of every environment (the charts helm template reads)');
  timer.run(synthAll);
  progress(`group 1: ${[synthAll, floorNpm, helmAll].map((c) => c.id).join(', ')} (${options.warmup} warm-up + ${options.runs} rounds)`);
  const full = runRounds(timer, [synthAll, floorNpm, helmAll], options.runs, options.warmup);
  progress(`group 2: ${[synthOne, floor, helmOne].map((c) => c.id).join(', ')}`);
  const single = runRounds(timer, [synthOne, floor, helmOne], options.runs, options.warmup);
  progress(`group 3: ${synthColdCache.id}`);
  const emptyCache = runRounds(timer, [synthColdCache], options.runs, 0);
  progress(`group 4: ${synthFreshClone.id} (at most 3 rounds: each compiles)`);
  const freshClones = runRounds(timer, [synthFreshClone], Math.min(3, options.runs), 0);
  const samples = new Map([...full, ...single, ...emptyCache, ...freshClones]);

  const seconds = (id: string) => (samples.get(id) ?? []).map((s) => s.seconds);
  const commands = [synthAll, synthColdCache, synthFreshClone, synthOne, helmOne, helmAll, floor, floorNpm].map((c) => commandResult(c, samples.get(c.id) ?? [], work));
  const ratios: RatioResult[] = [
    { label: '1 ÷ 4b: full synth ÷ floor, both through npm (target ≤ 2×)', ratio: pairedRatio(seconds('synth'), seconds('floor-npm')) },
    { label: `1 ÷ 3b: full synth ÷ helm template of the ${envs.length} charts`, ratio: pairedRatio(seconds('synth'), seconds('helm-template-all')) },
    { label: '2 ÷ 4a: one environment ÷ floor, both without npm', ratio: pairedRatio(seconds('synth-direct'), seconds('floor')) },
    { label: `2 ÷ 3a: one environment ÷ helm template of its chart`, ratio: pairedRatio(seconds('synth-direct'), seconds('helm-template')) },
  ];
  return { date: new Date().toISOString(), machine: machine(npm, helm), runs: options.runs, warmup: options.warmup, commands, ratios, scale: measureScale(options, timer, work) };
}

/** Item 5: synth time and peak memory of generated configs with n consumers and n captured tables. */
function measureScale(options: BenchOptions, timer: ProcessTimer, work: string): ScaleResult[] {
  const results: ScaleResult[] = [];
  for (const n of options.scales) {
    const dir = join(work, `scale-${n}`);
    mkdirSync(dir);
    const config = join(dir, `scale-${n}.yaml`);
    writeFileSync(config, scaleConfigText(ROOT, n));
    const command: BenchCommand = {
      id: `scale-${n}`,
      label: `5. ${n} consumers + tables`,
      steps: [[process.execPath, 'lib/src/cli/synth.js', '--config', config, '--out', join(dir, 'out')]],
    };
    progress(`scale: ${n} consumers and tables`);
    const samples = runRounds(timer, [command], options.runs, options.warmup).get(command.id) ?? [];
    const result = commandResult(command, samples, work);
    const objects = Number(/\((\d+) objects\)/.exec(samples[0]?.stdout ?? '')?.[1] ?? NaN);
    const previous = results[results.length - 1];
    const msPerAddedConsumer = previous ? ((result.seconds.median - previous.seconds.median) * 1000) / (n - previous.n) : undefined;
    results.push({ n, objects, seconds: result.seconds, peakMiB: result.peakMiB, msPerAddedConsumer });
  }
  return results;
}

function commandResult(command: BenchCommand, samples: readonly Sample[], work: string): CommandResult {
  const peaks = samples.map((s) => s.peakMiB).filter((p): p is number => p !== undefined);
  return {
    id: command.id,
    label: command.label,
    command: command.steps.map((argv) => argv.map((arg) => displayArg(arg, work)).join(' ')).join(' && '),
    seconds: spread(samples.map((s) => s.seconds)),
    peakMiB: peaks.length > 0 ? spread(peaks) : undefined,
  };
}

/** An argument as a reader would type it: `node`, `helm`, paths relative to the repository or `<tmp>/…`, quoted when needed. */
function displayArg(arg: string, work: string): string {
  if (arg === process.execPath) return 'node';
  if (!isAbsolute(arg)) return /[\s'"()]/.test(arg) ? JSON.stringify(arg) : arg;
  if (basename(arg) === 'helm') return 'helm';
  if (arg.startsWith(work)) return `<tmp>/${relative(work, arg)}`;
  return relative(ROOT, arg) || '.';
}

/** The machine, and the tool versions the rows depend on (Helm only for the synth rows). */
function machine(npm: string, helm?: string): Record<string, string | number> {
  const version = (program: string, args: string[]) => spawnSync(program, args, { encoding: 'utf8' }).stdout.trim();
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    npm: version(npm, ['-v']),
    ...(helm ? { helm: version(helm, ['version', '--short']) } : {}),
  };
}

const seconds = (s: Spread) => `${s.median.toFixed(2)} s`;
const range = (s: Spread) => `${s.min.toFixed(2)} – ${s.max.toFixed(2)} s`;
const mib = (s?: Spread) => (s ? `${Math.round(s.median)} MiB` : '–');

/** The Markdown the README shows: the machine, the commands, the ratios, the scale curve. */
function formatTables(results: BenchResults): string {
  const m = results.machine;
  const lines = [
    `Measured ${results.date.slice(0, 10)} on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}, Node ${m.node}, npm ${m.npm}, Helm ${m.helm}; ` +
      `${results.runs} rounds after ${results.warmup} warm-up, whole processes, medians (peak: the largest Node process).`,
    '',
    '| command | median | min – max | peak memory |',
    '| --- | ---: | ---: | ---: |',
    ...results.commands.map((c) => `| ${c.label}<br>\`${c.command}\` | ${seconds(c.seconds)} | ${range(c.seconds)} | ${mib(c.peakMiB)} |`),
    '',
    '| ratio, per round, median | median | min – max |',
    '| --- | ---: | ---: |',
    ...results.ratios.map((r) => `| ${r.label} | ${r.ratio.median.toFixed(2)}× | ${r.ratio.min.toFixed(2)} – ${r.ratio.max.toFixed(2)}× |`),
    '',
    `| 5. consumers + captured tables | objects | median | min – max | peak memory | per added consumer |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.scale.map(
      (s) =>
        `| ${s.n} | ${s.objects} | ${seconds(s.seconds)} | ${range(s.seconds)} | ${mib(s.peakMiB)} | ${s.msPerAddedConsumer === undefined ? '–' : `${s.msPerAddedConsumer.toFixed(1)} ms`} |`,
    ),
  ];
  return lines.join('\n');
}

function updateReadme(table: string, beginMarker: string, endMarker: string): void {
  const text = readFileSync(README, 'utf8');
  const begin = text.indexOf(beginMarker);
  const end = text.indexOf(endMarker);
  if (begin < 0 || end < begin) {
    process.stderr.write(`bench: docs/development.md has no ${beginMarker} … ${endMarker} block; table not copied there\n`);
    return;
  }
  writeFileSync(README, `${text.slice(0, begin + beginMarker.length)}\n${table}\n${text.slice(end)}`);
  process.stdout.write('bench: updated the table in README.md\n');
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

// An entry point (scripts/run.cjs loads it), like the commands in src/cli/.
main().catch((error: Error) => {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 1;
});
