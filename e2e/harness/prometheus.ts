import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { packageRoot } from '../../src/model/package-root';
import { RenderedObject } from '../../src/model/rendered-object';
import { listening, ManagedProcess } from './process';

/**
 * Prometheus 3 and promtool, built from the Go module proxy at the version the Prometheus Operator
 * 0.93.0 runs by default (its `DefaultPrometheusVersion`: v3.x, module v0.316.0), cached in
 * e2e/kube/bin like the API server. A cold build is about 5 minutes on 2 cores, a warm one a link.
 */
export const PROMETHEUS_MODULE_VERSION = 'v0.316.0';
const BIN = join(packageRoot(), 'e2e', 'kube', 'bin', `prometheus-${PROMETHEUS_MODULE_VERSION}`);

/** `go install` of prometheus and promtool (one build, shared dependencies); returns their paths. */
export function buildPrometheus(): { prometheus: string; promtool: string } {
  mkdirSync(BIN, { recursive: true });
  const modules = ['prometheus', 'promtool'].map((cmd) => `github.com/prometheus/prometheus/cmd/${cmd}@${PROMETHEUS_MODULE_VERSION}`);
  const result = spawnSync('go', ['install', '-ldflags=-s -w', ...modules], {
    env: { ...process.env, GOBIN: BIN, GOFLAGS: '-mod=mod' },
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
  if (result.status !== 0)
    throw new Error(`go install prometheus ${PROMETHEUS_MODULE_VERSION} failed (${result.error?.message ?? result.status}):\n${result.stderr.split('\n').slice(-30).join('\n')}`);
  return { prometheus: join(BIN, 'prometheus'), promtool: join(BIN, 'promtool') };
}

/** Runs promtool (bounded: 2 minutes). */
export function promtool(binary: string, args: readonly string[], cwd?: string): SpawnSyncReturns<string> {
  return spawnSync(binary, args, { encoding: 'utf8', timeout: 120_000, cwd });
}

/** The rendered PrometheusRule's groups as a Prometheus rule file (what the operator mounts). */
export function ruleFile(objects: readonly RenderedObject[]): string {
  const rules = objects.filter((o) => o.kind === 'PrometheusRule');
  if (rules.length === 0) throw new Error('no PrometheusRule rendered');
  return stringify({ groups: rules.flatMap((r) => r.spec.groups) });
}

/** A pod the harness runs: where it listens, and the labels and named ports its rendered pod would have. */
export interface ScrapedPod {
  readonly namespace: string;
  readonly pod: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Container port name → `host:port` where the harness's process serves it. */
  readonly ports: Readonly<Record<string, string>>;
}

/**
 * What the Prometheus Operator makes of the rendered PodMonitors, for the harness's pods: a scrape
 * job per PodMonitor endpoint, with the pods its selector matches (in its namespace) on the named
 * port, labelled as the operator labels them (namespace, pod, job `<namespace>/<name>`, and the
 * podTargetLabels). A PodMonitor whose selector or port matches no pod scrapes nothing.
 */
export function scrapeConfigs(objects: readonly RenderedObject[], pods: readonly ScrapedPod[], interval: string): object[] {
  return objects
    .filter((o) => o.kind === 'PodMonitor')
    .flatMap((monitor) =>
      (monitor.spec.podMetricsEndpoints as { port: string; path?: string }[]).map((endpoint, index) => {
        const selector = monitor.spec.selector.matchLabels as Record<string, string>;
        const targets = pods.filter((p) => p.namespace === monitor.metadata.namespace && Object.entries(selector).every(([k, v]) => p.labels[k] === v) && p.ports[endpoint.port]);
        const sanitize = (label: string) => label.replace(/[^a-zA-Z0-9_]/g, '_');
        return {
          job_name: `podMonitor/${monitor.metadata.namespace}/${monitor.metadata.name}/${index}`,
          scrape_interval: interval,
          scrape_timeout: interval,
          metrics_path: endpoint.path ?? '/metrics',
          static_configs: targets.map((pod) => ({
            targets: [pod.ports[endpoint.port]],
            labels: {
              namespace: pod.namespace,
              pod: pod.pod,
              job: `${monitor.metadata.namespace}/${monitor.metadata.name}`,
              endpoint: endpoint.port,
              ...Object.fromEntries(((monitor.spec.podTargetLabels ?? []) as string[]).filter((l) => pod.labels[l] !== undefined).map((l) => [sanitize(l), pod.labels[l]])),
            },
          })),
        };
      }),
    );
}

/** One alert as Prometheus' API reports it. */
export interface ActiveAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing';
  readonly activeAt: string;
}

/** A Prometheus server on loopback scraping the harness's pods and evaluating the rendered rules. */
export class PrometheusServer {
  readonly port = 40000 + Math.floor(Math.random() * 10000);
  private readonly process: ManagedProcess;

  constructor(binary: string, dir: string, config: { readonly scrapeConfigs: readonly object[]; readonly rules: string; readonly interval: string }) {
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'rules.yaml'), config.rules);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({ global: { scrape_interval: config.interval, evaluation_interval: config.interval }, rule_files: ['rules.yaml'], scrape_configs: config.scrapeConfigs }),
    );
    this.process = new ManagedProcess(
      'prometheus',
      binary,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${this.port}`],
      join(dir, 'prometheus.log'),
    );
  }

  async start(): Promise<void> {
    this.process.start();
    await this.process.waitFor('listening', () => listening('127.0.0.1', this.port), 60_000);
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  /** An instant query's vector (bounded: 10 s). */
  async query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    return (await this.api(`/api/v1/query?query=${encodeURIComponent(promql)}`)).result;
  }

  /** Alerts pending or firing now. */
  async alerts(): Promise<ActiveAlert[]> {
    return (await this.api('/api/v1/alerts')).alerts;
  }

  /** Every scrape target and its health. */
  async targets(): Promise<{ labels: Record<string, string>; health: string; lastError: string }[]> {
    return (await this.api('/api/v1/targets')).activeTargets;
  }

  /**
   * The metric names a query selects, as Prometheus' own parser reads it (`/api/v1/parse_query`,
   * its AST's vector and matrix selectors); throws with the parser's message on a syntax error.
   */
  async selectedNames(query: string): Promise<string[]> {
    const names = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        if (record.type === 'vectorSelector' || record.type === 'matrixSelector') {
          const byMatcher = (record.matchers as { name: string; type: string; value: string }[] | undefined)?.find((m) => m.name === '__name__' && m.type === '=');
          const name = (record.name as string) || byMatcher?.value;
          if (name) names.add(name);
        }
        Object.values(record).forEach(walk);
      }
    };
    walk(await this.api(`/api/v1/parse_query?query=${encodeURIComponent(query)}`));
    return [...names];
  }

  /** Every metric name in the server's storage. */
  async metricNames(): Promise<string[]> {
    return this.api('/api/v1/label/__name__/values');
  }

  tail(lines = 30): string {
    return this.process.tail(lines);
  }

  private async api(path: string): Promise<any> {
    const response = await fetch(`http://127.0.0.1:${this.port}${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; data: any; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  }
}
