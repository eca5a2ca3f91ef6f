/**
 * The data-plane rows of `npm run bench -- --e2e`: the rendered EKS pipeline on real Kafka,
 * Connect, Debezium and PostgreSQL (the e2e harness), measured, never asserted:
 * - latency from PostgreSQL commit (Debezium's source.ts_ms) to the consumer receiving the event,
 *   p50 and p99, at fixed write rates, several windows each (medians of the windows), and where
 *   the median event spends it, stage by stage (see {@link Stages});
 * - sustained rows/s: rates raised until the median latency passes 1 s; the highest rate with p99
 *   (and with p50) within 1 s;
 * - the same with relaxed settings (acks=1, no idempotence, no exactly-once) beside it.
 */
import { ConsumerRun, Pipeline } from '../e2e/harness/pipeline';
import { eventually } from '../e2e/harness/process';
import { runWriters, TABLES_DDL, Workload } from '../e2e/harness/workload';
import { Spread, spread } from './measure';
import { RenderedObject } from '../src/model/rendered-object';

export interface DataPlaneOptions {
  /** Rates (rows/s) measured for latency, each over `windows` windows. */
  readonly rates: readonly number[];
  readonly windows: number;
  readonly windowSeconds: number;
  /** Rates tried, in order, for the sustained rate (stops when p99 passes 1 s). */
  readonly ramp: readonly number[];
}

export interface LatencyRow {
  readonly variant: Variant;
  readonly targetRate: number;
  readonly achievedRate: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  /** Medians over the windows of each stage's median. */
  readonly stagesP50Ms: Record<keyof Stages, Spread>;
}

/**
 * One event's time, split at the clocks it carries (one machine, one clock):
 * - capture: the PostgreSQL commit (source.ts_ms) to Debezium handling the change (payload ts_ms):
 *   WAL decoding, pgoutput and the replication connection;
 * - queue: Debezium handling it to Connect's producer sending it (the record's CreateTime):
 *   Debezium's queue and poll.interval.ms, Connect's poll loop;
 * - deliver: the send to the consumer receiving it: batching, acks=all replication, the
 *   exactly-once transaction's commit at the end of the poll, and the read_committed fetch.
 */
export interface Stages {
  readonly capture: number;
  readonly queue: number;
  readonly deliver: number;
}

const STAGES: readonly (keyof Stages)[] = ['capture', 'queue', 'deliver'];

export interface SustainedRow {
  readonly variant: Variant;
  /** The highest achieved write rate (rows/s) whose p99 stayed within 1 s (0: none did). */
  readonly p99Within1s: number;
  /** The same for the median event. */
  readonly p50Within1s: number;
  readonly steps: { target: number; achieved: number; p99Ms: number; p50Ms?: number }[];
}

export interface DataPlaneResults {
  readonly latency: LatencyRow[];
  readonly sustained: SustainedRow[];
}

type Variant = 'durable (as rendered)' | 'relaxed (acks=1, no idempotence, no exactly-once)';
const WRITERS = 4;

/** What users trade durability for: settings the policy refuses, applied to the rendered objects. */
function relax(objects: RenderedObject[]): void {
  for (const o of objects) {
    if (o.kind === 'KafkaConnect') Object.assign(o.spec.config, { 'producer.acks': '1', 'producer.enable.idempotence': false, 'exactly.once.source.support': 'disabled' });
    if (o.kind === 'KafkaConnector') delete o.spec.config['exactly.once.support'];
  }
}

export async function benchDataPlane(options: DataPlaneOptions, progress: (m: string) => void): Promise<DataPlaneResults> {
  const latency: LatencyRow[] = [];
  const sustained: SustainedRow[] = [];
  for (const variant of ['durable (as rendered)', 'relaxed (acks=1, no idempotence, no exactly-once)'] as Variant[]) {
    progress(`data plane, ${variant}: starting Kafka, Connect, PostgreSQL`);
    const pipeline = new Pipeline({ mutate: variant.startsWith('relaxed') ? relax : undefined });
    try {
      await pipeline.start();
      pipeline.db.sql(TABLES_DDL);
      await pipeline.startConnector();
      const consumer = pipeline.clients.startConsumer('ledger-projector');
      const workload = new Workload();
      const window = (rate: number) => measureWindow(pipeline, consumer, workload, rate, options.windowSeconds);
      await window(options.rates[0]); // warm-up: JIT, connections, first transactions
      for (const rate of options.rates) {
        const samples: WindowResult[] = [];
        for (let i = 0; i < options.windows; i++) samples.push(await window(rate));
        progress(`data plane, ${variant}: ${rate} rows/s → p50 ${samples.map((s) => s.p50.toFixed(0)).join('/')} ms, p99 ${samples.map((s) => s.p99.toFixed(0)).join('/')} ms`);
        const stagesP50Ms = Object.fromEntries(STAGES.map((stage) => [stage, spread(samples.map((s) => s.stages[stage]))])) as LatencyRow['stagesP50Ms'];
        progress(`data plane, ${variant}: ${rate} rows/s stage medians ${STAGES.map((stage) => `${stage} ${stagesP50Ms[stage].median.toFixed(0)}`).join(', ')} ms`);
        latency.push({
          variant,
          targetRate: rate,
          achievedRate: spread(samples.map((s) => s.achieved)),
          p50Ms: spread(samples.map((s) => s.p50)),
          p99Ms: spread(samples.map((s) => s.p99)),
          stagesP50Ms,
        });
      }
      const steps: SustainedRow['steps'] = [];
      for (const rate of options.ramp) {
        const s = await window(rate);
        steps.push({ target: rate, achieved: Math.round(s.achieved), p99Ms: Math.round(s.p99) });
        progress(`data plane, ${variant}: ramp ${rate} rows/s → achieved ${s.achieved.toFixed(0)}, p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms`);
        steps[steps.length - 1] = { ...steps[steps.length - 1], p50Ms: Math.round(s.p50) };
        // Past 1 s for the median event, the pipeline no longer keeps up: stop raising the rate.
        if (s.p50 > 1_000) break;
      }
      const best = (limit: (step: SustainedRow['steps'][number]) => boolean) => Math.max(0, ...steps.filter(limit).map((step) => step.achieved));
      sustained.push({ variant, p99Within1s: best((step) => step.p99Ms <= 1_000), p50Within1s: best((step) => (step.p50Ms ?? Infinity) <= 1_000), steps });
    } finally {
      await pipeline.stop();
    }
  }
  return { latency, sustained };
}

interface WindowResult {
  readonly achieved: number;
  readonly p50: number;
  readonly p99: number;
  readonly stages: Stages;
}

/** Writes about `rate` changes a second for `seconds` from 4 writers; returns the achieved rate, the commit→consumer latency percentiles and each stage's median. */
async function measureWindow(pipeline: Pipeline, consumer: ConsumerRun, workload: Workload, rate: number, seconds: number): Promise<WindowResult> {
  const expectedBefore = workload.eventCount();
  const consumedBefore = consumer.count();
  const mark = consumer.position();
  const operations = rate * seconds;
  workload.stream(operations, WRITERS);
  // Each writer's pause between transactions sets the rate (less the statement's own ~0.5 ms).
  const pause = Math.max(0, WRITERS / rate - 0.0005);
  const started = Date.now();
  await runWriters(workload.scripts, pipeline.db.appPsql, seconds * 20_000, pause);
  const achieved = operations / ((Date.now() - started) / 1000);
  const expected = consumedBefore + workload.eventCount() - expectedBefore;
  await eventually(
    () => consumer.count() >= expected,
    300_000,
    () => `${consumer.count()} of ${expected} events`,
  );
  const latencies: number[] = [];
  const stages: Record<keyof Stages, number[]> = { capture: [], queue: [], deliver: [] };
  consumer.eachRecord(mark, (r) => {
    if (r.value === null) return;
    const payload = JSON.parse(r.value).payload as { ts_ms?: number; source?: { ts_ms?: number } } | undefined;
    const committed = payload?.source?.ts_ms;
    if (committed === undefined || payload?.ts_ms === undefined) return;
    latencies.push(r.received - committed);
    stages.capture.push(payload.ts_ms - committed);
    stages.queue.push(r.timestamp - payload.ts_ms);
    stages.deliver.push(r.received - r.timestamp);
  });
  return {
    achieved,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    stages: { capture: quantile(stages.capture, 0.5), queue: quantile(stages.queue, 0.5), deliver: quantile(stages.deliver, 0.5) },
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
