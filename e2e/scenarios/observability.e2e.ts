import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { kafkaNodePodLabels, STRIMZI_CLUSTER_LABEL, STRIMZI_METRICS_PORT, STRIMZI_METRICS_PORT_NAME, strimziPodLabels } from '../../src/model/strimzi';
import { packageRoot } from '../../src/model/package-root';
import { RenderedObject } from '../../src/model/rendered-object';
import { availableOrSkip } from '../harness/available';
import { missingToolchain } from '../harness/components';
import { missingGo } from '../harness/kube';
import { Pipeline, pipelinePostgresAvailable } from '../harness/pipeline';
import { eventually, ManagedProcess, sleep } from '../harness/process';
import { ActiveAlert, buildPrometheus, PrometheusServer, promtool, ruleFile, ScrapedPod, scrapeConfigs } from '../harness/prometheus';
import { TABLES_DDL } from '../harness/workload';

/**
 * The rendered monitoring on the real exporters: the JMX exporter's collector (the version Strimzi
 * 1.2.0's images attach) on the brokers, controllers and Connect workers with the rendered
 * metricsConfig rules, the image's postgres_exporter beside the database with the rendered queries,
 * a Java consumer's client metrics with the rendered consumer rules, and a real Prometheus 3 that
 * scrapes them as the rendered PodMonitors select them and evaluates the rendered PrometheusRule.
 * promtool checks and unit-tests the rules; every name a rule or dashboard reads is in a real
 * scrape (or listed below as unproven, with why); and each fault makes the alert that names it
 * active (pending or firing) while the healthy pipeline has none.
 */
const ready = availableOrSkip(missingToolchain()) && availableOrSkip(missingGo()) && pipelinePostgresAvailable();

/** How often the test Prometheus scrapes and evaluates (the rendered PodMonitors say 30 s). */
const INTERVAL = '2s';
const CONSUMER = 'ledger-projector';

/** Metric families a real exporter produces in another e2e suite, and where. */
const PROVEN_ELSEWHERE: Readonly<Record<string, string>> = {
  cdc8s_strimzi_resource_ready: 'e2e/scenarios/strimzi-state-metrics.e2e.ts: kube-state-metrics v2.19.1 on a real API server',
};

/**
 * Metric families no exporter here produces, each with its source: Kafka Exporter is neither on the
 * Go module proxy nor packaged by Debian; cert-manager's controller and kube-state-metrics need a
 * cluster's controllers. Everything else a rule or dashboard reads must be in a real scrape.
 */
const UNPROVEN: Readonly<Record<string, string>> = {
  kafka_consumergroup_lag: 'Kafka Exporter 1.9 (danielqsj/kafka_exporter, exporter.go: consumergroupLag "kafka_consumergroup_lag"), as Strimzi runs it',
  certmanager_certificate_renewal_timestamp_seconds: 'cert-manager 1.21 controller (pkg/metrics/certificates.go: certificate_renewal_timestamp_seconds)',
  certmanager_certificate_ready_status: 'cert-manager 1.21 controller (pkg/metrics/certificates.go: certificate_ready_status)',
};

describe.runIf(ready)('observability: the rendered exporters, rules and dashboards on real components', () => {
  // A 96 MB bound on slot WAL, so that a stopped connector nears it within the test: the only change to the file.
  const pipeline = new Pipeline({
    change: (config) => {
      config.postgres.replication.maxSlotWalKeepSize = '96MB';
      config.observability = { ...config.observability, alerts: { consumerLagRecords: 50 } };
    },
  });
  let tools: { prometheus: string; promtool: string };
  let prometheus: PrometheusServer;
  let exporter: ManagedProcess;
  const exporterPort = 30000 + Math.floor(Math.random() * 5000);
  const consumerMetricsPort = exporterPort + 1;
  const work = join(pipeline.dir, 'observability');
  const objects = (): readonly RenderedObject[] => pipeline.objects;
  const dashboards = () => objects().filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
  const dashboardQueries = () =>
    dashboards().flatMap((d) =>
      Object.values(d.data as Record<string, string>).flatMap((json) => JSON.parse(json).panels.flatMap((p: any) => p.targets.map((t: any) => t.expr as string))),
    );
  const ruleExprs = () =>
    objects()
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules.map((rule: any) => ({ alert: rule.alert as string, expr: rule.expr as string }))));

  /** The pods the harness runs, labelled and with the named ports their rendered pods have. */
  const pods = (): ScrapedPod[] => {
    const kafka = pipeline.rendered.of('Kafka');
    const connect = pipeline.rendered.of('KafkaConnect');
    const streaming = kafka.metadata.namespace as string;
    const database = objects().find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres') as RenderedObject;
    const consumerDeployment = objects().find((o) => o.kind === 'Deployment' && o.metadata.name === CONSUMER) as RenderedObject;
    const metrics = (host: string) => ({ [STRIMZI_METRICS_PORT_NAME]: `${host}:${STRIMZI_METRICS_PORT}` });
    return [
      ...pipeline.kafka.nodes.map((node) => ({
        namespace: streaming,
        pod: `${kafka.metadata.name}-${node.pool}-${node.id}`,
        labels: { ...kafkaNodePodLabels(kafka.metadata.name), 'strimzi.io/pool-name': node.pool, ...(node.roles.includes('broker') ? { 'strimzi.io/broker-role': 'true' } : {}) },
        ports: metrics(pipeline.kafka.addressOf(node.id)),
      })),
      ...pipeline.connect.processes.map((_, index) => ({
        namespace: streaming,
        pod: `${connect.metadata.name}-connect-${index}`,
        labels: {
          ...strimziPodLabels('KafkaConnect', connect.metadata.name),
          'strimzi.io/name': `${connect.metadata.name}-connect`,
          [STRIMZI_CLUSTER_LABEL]: connect.metadata.name,
        },
        ports: metrics(pipeline.connect.addressOf(index)),
      })),
      { namespace: database.metadata.namespace as string, pod: 'postgres-0', labels: database.spec.template.metadata.labels, ports: { metrics: `127.0.0.1:${exporterPort}` } },
      {
        namespace: consumerDeployment.metadata.namespace as string,
        pod: `${CONSUMER}-0`,
        labels: consumerDeployment.spec.template.metadata.labels as Record<string, string>,
        ports: { http: `127.0.0.1:${consumerMetricsPort}` },
      },
    ];
  };

  const active = async (): Promise<ActiveAlert[]> => prometheus.alerts();
  const names = (alerts: readonly ActiveAlert[]) => [...new Set(alerts.map((a) => a.labels.alertname))].sort();
  /** Waits (bounded) until `alert` is pending or firing; returns the seconds it took. */
  const becomesActive = async (alert: string, timeoutMs: number): Promise<number> => {
    const started = Date.now();
    await eventually(
      async () => (await active()).some((a) => a.labels.alertname === alert),
      timeoutMs,
      () => `${alert} never became active; Prometheus's log:\n${prometheus.tail(10)}`,
      1_000,
    );
    return (Date.now() - started) / 1000;
  };
  const timings: string[] = [];

  beforeAll(async () => {
    tools = buildPrometheus();
    mkdirSync(work, { recursive: true });
    await pipeline.start();
    pipeline.db.sql(TABLES_DDL);
    await pipeline.db.published();
    await pipeline.startConnector();
    exporter = pipeline.db.server.startExporter(exporterPort);
    prometheus = new PrometheusServer(tools.prometheus, work, { scrapeConfigs: scrapeConfigs(objects(), pods(), INTERVAL), rules: ruleFile(objects()), interval: INTERVAL });
    await prometheus.start();
  }, 1_500_000);

  afterAll(async () => {
    if (timings.length > 0) console.log(`observability: time to active\n${timings.join('\n')}`);
    await prometheus?.stop();
    await exporter?.stop();
    await pipeline.stop();
  });

  it('promtool accepts the rendered rules, and every alert fires in its unit test and stays quiet in another', () => {
    writeFileSync(join(work, 'rules-full.yaml'), ruleFile(objects()));
    const check = promtool(tools.promtool, ['check', 'rules', join(work, 'rules-full.yaml')]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);

    // promtool compares annotations too: the unit tests take the rules without them (their templates were checked above).
    const unit = join(work, 'unit');
    mkdirSync(unit, { recursive: true });
    const groups = parse(ruleFile(objects())).groups.map((g: any) => ({ ...g, rules: g.rules.map(({ annotations: _, ...rule }: any) => rule) }));
    const writeRules = (gs: unknown) => writeFileSync(join(unit, 'rules.yaml'), stringify({ groups: gs }));
    writeRules(groups);
    cpSync(join(packageRoot(), 'e2e', 'observability', 'alerts.promtool.yaml'), join(unit, 'alerts.promtool.yaml'));
    const run = () => promtool(tools.promtool, ['test', 'rules', 'alerts.promtool.yaml'], unit);
    const passed = run();
    expect(passed.status, passed.stdout + passed.stderr).toBe(0);

    // Every alert has a case where it fires and one where it stays quiet.
    const tests = parse(readFileSync(join(unit, 'alerts.promtool.yaml'), 'utf8')).tests.flatMap((t: any) => t.alert_rule_test ?? []);
    const alerts = ruleExprs().map((r) => r.alert);
    const firing = new Set(tests.filter((t: any) => (t.exp_alerts ?? []).length > 0).map((t: any) => t.alertname));
    const quiet = new Set(tests.filter((t: any) => (t.exp_alerts ?? []).length === 0).map((t: any) => t.alertname));
    expect(alerts.filter((a) => !firing.has(a))).toEqual([]);
    expect(alerts.filter((a) => !quiet.has(a))).toEqual([]);

    // The tests can fail: a threshold moved by a rendering mistake makes them fail.
    writeRules(groups.map((g: any) => ({ ...g, rules: g.rules.map((r: any) => (r.alert === 'KafkaUnderMinIsrPartitions' ? { ...r, expr: r.expr.replace('> 0', '> 10') } : r)) })));
    const broken = run();
    expect(broken.status).not.toBe(0);
    expect(broken.stdout + broken.stderr).toContain('KafkaUnderMinIsrPartitions');
  });

  it('every rendered PodMonitor scrapes its pods here, and every target is up', async () => {
    let down: unknown[] = [];
    await eventually(
      async () => {
        const targets = await prometheus.targets();
        // The consumer serves metrics only while a test runs it.
        down = targets.filter((t) => t.health !== 'up' && !t.labels.job.endsWith('/consumers'));
        return targets.length > 0 && down.length === 0;
      },
      60_000,
      () => JSON.stringify(down),
      1_000,
    );
    const jobs = new Set((await prometheus.targets()).map((t) => t.labels.job));
    const streaming = pipeline.rendered.of('Kafka').metadata.namespace;
    const kafka = pipeline.rendered.of('Kafka').metadata.name;
    // Kafka Exporter does not run here (UNPROVEN); every other PodMonitor has live targets.
    const expected = objects()
      .filter((o) => o.kind === 'PodMonitor' && o.metadata.name !== `${kafka}-kafka-exporter`)
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(expected.filter((job) => !jobs.has(job) && job !== `${streaming}/consumers`).sort()).toEqual([]);
  });

  it('every metric a rule or dashboard reads is in a real scrape (the unproven ones are listed, with their source)', async () => {
    // Some rows, a consumer with its client metrics, and a full backup recorded: every exporter has its series.
    pipeline.db.sql('INSERT INTO public.accounts (id, version, balance) SELECT g, 1, 100 FROM generate_series(1, 200) g');
    const consumer = pipeline.clients.startConsumer(CONSUMER, { metricsAddress: { host: '127.0.0.1', port: consumerMetricsPort } });
    try {
      await eventually(
        () => pipeline.db.server.superuser('SELECT count(*) FROM cdc8s_backup.status', 'postgres') === '1',
        240_000,
        () => 'the backup sidecar recorded no full backup',
        2_000,
      );
      await eventually(
        () => consumer.count() > 0,
        120_000,
        () => 'the consumer read nothing',
        1_000,
      );
      await sleep(10_000);
      const scraped = new Set(await prometheus.metricNames());
      const queries = [...ruleExprs().map((r) => r.expr), ...dashboardQueries()];
      const read = (await Promise.all(queries.map((q) => prometheus.selectedNames(q)))).flat();
      const missing = [...new Set(read)].filter((name) => !scraped.has(name) && !(name in UNPROVEN) && !(name in PROVEN_ELSEWHERE)).sort();
      expect(missing, `not in any real scrape (${scraped.size} names scraped)`).toEqual([]);
      // An unproven name that a real exporter here does produce belongs in the proven set.
      expect(Object.keys(UNPROVEN).filter((name) => scraped.has(name))).toEqual([]);
      // The scrapes are real, not empty: values that must hold now.
      const value = async (q: string) => Number((await prometheus.query(q))[0]?.value[1]);
      expect(await value('max(cdc8s_slot_active)')).toBe(1);
      expect(await value('sum(kafka_connect_connector_status{status="running"})')).toBe(1);
      expect(await value('max(kafka_server_replicamanager_underreplicatedpartitions)')).toBe(0);
      // postgres_exporter ran every rendered query without error.
      expect(await value('max(pg_exporter_last_scrape_error)')).toBe(0);
    } finally {
      await consumer.stop();
    }
  }, 420_000);

  it("every dashboard query parses with Prometheus' parser and runs", async () => {
    for (const query of dashboardQueries()) {
      await expect(prometheus.selectedNames(query), query).resolves.not.toEqual([]);
      await expect(prometheus.query(query), query).resolves.toBeDefined();
    }
    expect(dashboards().map((d) => d.metadata.name)).toHaveLength(4);
  });

  it('the healthy pipeline has no alert pending or firing', async () => {
    // Two evaluations after every target was scraped a few times.
    await sleep(10_000);
    expect(names(await active())).toEqual([]);
  });

  it('connector stopped while writes continue: CdcSlotWalNearLimit (and CdcSlotInactive, CdcConnectorNotRunning)', async () => {
    await pipeline.connector.stop();
    const started = Date.now();
    try {
      // Writes continue: about 120 MB of WAL the stopped slot must keep (EXTERNAL: stored uncompressed).
      pipeline.db.sql('CREATE TABLE IF NOT EXISTS public.ballast (id bigint, filler text); ALTER TABLE public.ballast ALTER COLUMN filler SET STORAGE EXTERNAL');
      for (let i = 0; i < 12; i++) pipeline.db.sql('INSERT INTO public.ballast SELECT g, repeat(md5(g::text), 300) FROM generate_series(1, 1000) g');
      timings.push(`CdcSlotWalNearLimit: ${await becomesActive('CdcSlotWalNearLimit', 120_000)} s after about 120 MB of WAL`);
      timings.push(`CdcSlotInactive: active ${await becomesActive('CdcSlotInactive', 60_000)} s later, ${((Date.now() - started) / 1000).toFixed(0)} s after the stop`);
      // Each worker's JMX reports the connector's state as its WorkerConnector last saw it; the
      // owner's report of `stopped` may trail the status topic's by a scrape and an evaluation.
      const states = async () => JSON.stringify((await prometheus.query('kafka_connect_connector_status')).map((s) => s.metric));
      await becomesActive('CdcConnectorNotRunning', 30_000).catch(async (error: Error) => {
        throw new Error(`${error.message}\nconnector state series: ${await states()}\nREST: ${JSON.stringify(await pipeline.connector.status())}`);
      });
    } finally {
      await pipeline.connector.resume();
    }
    await pipeline.connector.waitRunning();
    await eventually(
      async () => !(await active()).some((a) => a.labels.alertname === 'CdcSlotWalNearLimit'),
      180_000,
      () => 'CdcSlotWalNearLimit stays active after the connector caught up',
      2_000,
    );
  }, 480_000);

  it('the task killed with its worker: CdcConnectorTaskNotRunning', async () => {
    const status = await pipeline.connector.status();
    const worker = pipeline.connect.indexOf(status?.tasks?.[0]?.worker_id ?? '');
    expect(worker).toBeGreaterThanOrEqual(0);
    await pipeline.connect.stop(worker, 'SIGKILL');
    try {
      timings.push(`CdcConnectorTaskNotRunning: ${await becomesActive('CdcConnectorTaskNotRunning', 60_000)} s after SIGKILL of the task's worker`);
    } finally {
      await pipeline.connect.startAgain(worker);
    }
    await pipeline.connector.waitRunning();
  }, 300_000);

  it('archiving broken: CdcWalArchiveFailing', async () => {
    const restore = pipeline.db.server.breakRepository();
    try {
      pipeline.db.server.superuser("SELECT pg_switch_wal() FROM (SELECT pg_logical_emit_message(false, 'cdc8s', 'wal')) m", 'postgres');
      timings.push(`CdcWalArchiveFailing: ${await becomesActive('CdcWalArchiveFailing', 90_000)} s after the repository refused writes`);
    } finally {
      restore();
    }
  }, 180_000);

  it('a consumer falls behind: CdcConsumerClientLagHigh', async () => {
    const consumer = pipeline.clients.startConsumer(CONSUMER, { recordDelayMs: 1_000, metricsAddress: { host: '127.0.0.1', port: consumerMetricsPort } });
    try {
      pipeline.db.sql('INSERT INTO public.accounts (id, version, balance) SELECT g, 1, 100 FROM generate_series(10001, 10400) g');
      timings.push(`CdcConsumerClientLagHigh: ${await becomesActive('CdcConsumerClientLagHigh', 180_000)} s after 400 changes reached a consumer that takes 1 s per record`);
    } finally {
      await consumer.stop();
    }
  }, 300_000);

  it('one broker down: KafkaUnderReplicatedPartitions; a second: KafkaUnderMinIsrPartitions', async () => {
    const [first, second] = pipeline.kafka.brokerIds();
    pipeline.kafka.kill(first);
    timings.push(`KafkaUnderReplicatedPartitions: ${await becomesActive('KafkaUnderReplicatedPartitions', 120_000)} s after one broker was killed`);
    expect(names(await active())).not.toContain('KafkaUnderMinIsrPartitions');
    pipeline.kafka.kill(second);
    timings.push(`KafkaUnderMinIsrPartitions: ${await becomesActive('KafkaUnderMinIsrPartitions', 120_000)} s after a second broker was killed`);
  }, 300_000);
});
