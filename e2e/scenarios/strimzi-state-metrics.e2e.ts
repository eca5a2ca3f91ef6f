import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { StrimziStateMetrics } from '../../src/constructs/observability/strimzi-state-metrics';
import { CERT_MANAGER_NAMESPACE } from '../../src/constructs/postgres/tls';
import { DIST, distManifests, parseYamlObjects, tempDir } from '../../test/helpers';
import { availableOrSkip } from '../harness/available';
import { buildKube, KubeServer, missingCrds, missingGo, SHARED_CRDS } from '../harness/kube';
import { buildKubeStateMetrics, KubeStateMetrics } from '../harness/kube-state-metrics';
import { parseExposition, scrape } from '../harness/metrics';
import { eventually } from '../harness/process';
import { buildPrometheus, PrometheusServer } from '../harness/prometheus';
import { sharedDir } from '../../src/validate/sources';

/**
 * The state of Strimzi's resources as the cluster's kube-state-metrics reports it from the
 * platform file's configuration: a real API server (1.35, from source) holding the rendered EKS
 * objects, their status set as the operators set it, kube-state-metrics v2.19.1 signed in as its
 * standard install's ServiceAccount with only the rendered RBAC, and a real Prometheus evaluating
 * the rendered CdcStrimziResourceNotReady on what it scrapes.
 */
const ENV = 'eks';
const KSM_INSTALL = join(sharedDir(), 'install', 'kube-state-metrics-2.19.1');
const ready = availableOrSkip(missingGo()) && availableOrSkip(missingCrds());

describe.runIf(ready)("Strimzi's resource state through kube-state-metrics, on a real API server", () => {
  let server: KubeServer;
  let ksm: KubeStateMetrics;
  let prometheus: PrometheusServer;
  const { files, objects } = distManifests(ENV);
  const platform = parseYamlObjects(readFileSync(join(DIST, 'platform', `${ENV}.yaml`), 'utf8'));
  const config = platform.find((o) => o.kind === 'ConfigMap' && o.data?.[StrimziStateMetrics.CONFIG_KEY]) as any;
  const binding = platform.find((o) => o.kind === 'ClusterRoleBinding') as any;
  const kafka = objects.find((o) => o.kind === 'Kafka') as any;
  const connector = objects.find((o) => o.kind === 'KafkaConnector') as any;

  /** Sets a resource's status as its operator does (the status subresource). */
  const setStatus = (o: any, status: object) => {
    const patched = server.kubectl([
      'patch',
      o.kind.toLowerCase(),
      o.metadata.name,
      '-n',
      o.metadata.namespace,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
    if (patched.status !== 0) throw new Error(`status of ${o.kind} ${o.metadata.name}: ${patched.stderr}`);
  };
  const readyCondition = (status: 'True' | 'False') => ({ conditions: [{ type: 'Ready', status, lastTransitionTime: '2026-12-05T00:00:00Z' }] });

  beforeAll(async () => {
    const [bin, ksmBinary, tools] = [buildKube('1.35'), buildKubeStateMetrics(), buildPrometheus()];
    server = new KubeServer(bin);
    await server.start();
    server.installCrds(SHARED_CRDS);
    expect(server.kubectl(['create', 'namespace', CERT_MANAGER_NAMESPACE]).status).toBe(0);
    // kube-state-metrics' standard install: its ServiceAccount (the platform file grants it what it reads here).
    const account = server.kubectl(['apply', '-f', join(KSM_INSTALL, 'service-account.yaml')]);
    if (account.status !== 0) throw new Error(account.stderr);
    for (const file of [join(DIST, 'platform', `${ENV}.yaml`), ...files]) {
      const applied = server.kubectl(['apply', '--server-side', '--field-manager=cdc8s', '-f', file]);
      if (applied.status !== 0) throw new Error(`${file}: ${applied.stderr}`);
    }
    // What Strimzi reports: the cluster, topics and users Ready; the connector not, its task failed.
    for (const o of objects.filter((x) => ['Kafka', 'KafkaConnect', 'KafkaTopic', 'KafkaUser'].includes(x.kind))) setStatus(o, readyCondition('True'));
    setStatus(connector, { ...readyCondition('False'), connectorStatus: { connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'FAILED', worker_id: 'w:8083' }] } });
    for (const pool of objects.filter((x) => x.kind === 'KafkaNodePool')) setStatus(pool, { replicas: pool.spec.replicas, nodeIds: [] });

    ksm = new KubeStateMetrics(ksmBinary, server, { namespace: binding.subjects[0].namespace, name: binding.subjects[0].name }, config.data[StrimziStateMetrics.CONFIG_KEY]);
    await ksm.start();
    const dir = tempDir('cdc8s-ksm-prometheus-');
    const rules = stringify({ groups: objects.filter((o) => o.kind === 'PrometheusRule').flatMap((r) => (r as any).spec.groups) });
    // kube-state-metrics is scraped with its labels kept (honorLabels, as its charts do): `namespace` is the resource's.
    const scrapeConfigs = [{ job_name: 'kube-state-metrics', honor_labels: true, scrape_interval: '2s', static_configs: [{ targets: [`127.0.0.1:${ksm.port}`] }] }];
    prometheus = new PrometheusServer(tools.prometheus, dir, { scrapeConfigs, rules, interval: '2s' });
    await prometheus.start();
  }, 60 * 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await ksm?.stop();
    await server?.stop();
  });

  it("reports every resource's Ready state and the connector's task states, reading only what the rendered RBAC grants", async () => {
    let samples = parseExposition('');
    await eventually(
      async () => (samples = await scrape(`http://127.0.0.1:${ksm.port}/metrics`)).some((s) => s.name === 'cdc8s_strimzi_resource_ready'),
      60_000,
      () => `no resource state: ${ksm.log().split('\n').slice(-10).join('\n')}`,
      1_000,
    );
    const readyOf = (kind: string, name: string) =>
      samples.find((s) => s.name === 'cdc8s_strimzi_resource_ready' && s.labels.customresource_kind === kind && s.labels.name === name)?.value;
    expect(readyOf('Kafka', kafka.metadata.name)).toBe(1);
    expect(readyOf('KafkaConnector', connector.metadata.name)).toBe(0);
    for (const kind of ['KafkaConnect', 'KafkaTopic', 'KafkaUser']) {
      const expected = objects.filter((o) => o.kind === kind).length;
      expect(
        samples.filter((s) => s.name === 'cdc8s_strimzi_resource_ready' && s.labels.customresource_kind === kind && s.value === 1),
        kind,
      ).toHaveLength(expected);
    }
    const task = (state: string) => samples.find((s) => s.name === 'cdc8s_strimzi_connector_task_state' && s.labels.state === state && s.labels.task === '0')?.value;
    expect(task('FAILED')).toBe(1);
    expect(task('RUNNING')).toBe(0);
    expect(samples.filter((s) => s.name === 'cdc8s_strimzi_node_pool_replicas')).toHaveLength(objects.filter((o) => o.kind === 'KafkaNodePool').length);
    expect(samples.every((s) => !s.name.startsWith('cdc8s_strimzi') || s.labels.namespace === kafka.metadata.namespace)).toBe(true);
    // Every kube-state-metrics name a rule reads is in this scrape.
    const ruleNames = new Set(JSON.stringify(objects.filter((o) => o.kind === 'PrometheusRule')).match(/cdc8s_strimzi_[a-z_]+/g));
    expect(ruleNames.size).toBeGreaterThan(0);
    for (const name of ruleNames)
      expect(
        samples.some((s) => s.name === name),
        name,
      ).toBe(true);
    // Nothing it was refused: the rendered ClusterRole covers every kind it watches.
    expect(ksm.log()).not.toMatch(/forbidden/i);
  });

  it('CdcStrimziResourceNotReady is active for the connector and for nothing else', async () => {
    await eventually(
      async () => (await prometheus.alerts()).some((a) => a.labels.alertname === 'CdcStrimziResourceNotReady'),
      60_000,
      () => `not active; Prometheus: ${prometheus.tail(5)}`,
      1_000,
    );
    const active = (await prometheus.alerts()).filter((a) => a.labels.alertname === 'CdcStrimziResourceNotReady');
    expect(active.map((a) => `${a.labels.customresource_kind}/${a.labels.name}`)).toEqual([`KafkaConnector/${connector.metadata.name}`]);
  });

  it('without the rendered ClusterRoleBinding, kube-state-metrics is refused: the grant is what lets it read', () => {
    const file = join(tempDir('cdc8s-ksm-rbac-'), 'binding.yaml');
    writeFileSync(file, stringify(binding));
    const can = () =>
      server
        .kubectl(['auth', 'can-i', 'list', 'kafkaconnectors.kafka.strimzi.io', '-A', `--as=system:serviceaccount:${binding.subjects[0].namespace}:${binding.subjects[0].name}`])
        .stdout.trim();
    expect(can()).toBe('yes');
    expect(server.kubectl(['delete', '-f', file]).status).toBe(0);
    expect(can()).toBe('no');
    expect(parse(readFileSync(file, 'utf8')).roleRef.name).toBe(binding.metadata.name);
  });
});
