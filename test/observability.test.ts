import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_LAYERS, RUNBOOK_URL } from '../src/charts/monitoring';
import { MONITOR_ROLE } from '../src/constructs/postgres/database-target';
import { POSTGRES_EXPORTER_PORT } from '../src/constructs/postgres/exporter';
import { fillPlaceholders } from '../src/constructs/observability/placeholders';
import { shippedFile } from '../src/constructs/k8s/shipped-files';
import { POSTGRES_EXPORTER_VERSION, POSTGRES_PACKAGES } from '../src/model/postgres-versions';
import { STRIMZI_METRICS_PORT } from '../src/model/strimzi';
import { ENVIRONMENTS, file, objectsOf, RenderedObject, render, renderVariant, ROOT } from './helpers';

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
const runbookAnchors = new Set(
  readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8')
    .split('\n')
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => anchor(l.replace(/^#+ /, ''))),
);

const rulesOf = (objects: readonly RenderedObject[]) =>
  objects
    .filter((o) => o.kind === 'PrometheusRule')
    .flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules as { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[]));

/** Every NetworkPolicy ingress rule that admits `port` to pods carrying `podLabels`. */
function ingressTo(objects: readonly RenderedObject[], namespace: string, podLabels: Record<string, string>, port: number) {
  return objects
    .filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === namespace)
    .filter((np) => Object.entries(np.spec.podSelector.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v))
    .flatMap((np) => (np.spec.ingress ?? []) as { from?: any[]; ports?: { port: number }[] }[])
    .filter((rule) => rule.ports?.some((p) => p.port === port));
}

/** Where observability is on by default (ENVIRONMENTS: the clouds; minikube has it off). */
const OBSERVED = ENVIRONMENTS.filter((name) => name !== 'minikube');

describe.each(ENVIRONMENTS)('%s: observability as rendered', (name) => {
  const rendered = render(name);
  const objects = objectsOf(rendered);
  const { observability } = rendered.env.config;
  const kafka = objects.find((o) => o.kind === 'Kafka') as RenderedObject;
  const connect = objects.find((o) => o.kind === 'KafkaConnect') as RenderedObject;
  const database = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres') as RenderedObject;
  const podSpec = database.spec.template.spec;

  it('is on by default on the clouds and off on minikube', () => {
    expect(observability.enabled).toBe(name !== 'minikube');
  });

  it('off where disabled: no exporter, no metricsConfig, no Prometheus Operator object', () => {
    if (observability.enabled) return;
    expect(objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'))).toEqual([]);
    expect(kafka.spec.kafka.metricsConfig).toBeUndefined();
    expect(kafka.spec.kafkaExporter).toBeUndefined();
    expect(connect.spec.metricsConfig).toBeUndefined();
    expect(podSpec.containers.map((c: any) => c.name)).not.toContain('exporter');
  });
});

describe.each(OBSERVED)('%s: observability on', (name) => {
  const rendered = render(name);
  const objects = objectsOf(rendered);
  const { observability, namespaces } = rendered.env.config;
  const kafka = objects.find((o) => o.kind === 'Kafka') as RenderedObject;
  const connect = objects.find((o) => o.kind === 'KafkaConnect') as RenderedObject;
  const database = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres') as RenderedObject;
  const podSpec = database.spec.template.spec;

  it('Kafka and Connect read their JMX exporter rules from a rendered ConfigMap holding the shipped file', () => {
    for (const [config, file] of [
      [kafka.spec.kafka.metricsConfig, 'kafka-metrics.yaml'],
      [connect.spec.metricsConfig, 'connect-metrics.yaml'],
    ]) {
      expect(config.type).toBe('jmxPrometheusExporter');
      const { name: configMap, key } = config.valueFrom.configMapKeyRef;
      const data = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMap && o.metadata.namespace === namespaces.streaming)?.data;
      expect(data?.[key]).toBe(shippedFile(`constructs/kafka/files/${file}`));
    }
    expect(kafka.spec.kafkaExporter.template.container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
  });

  it('postgres_exporter runs from the database image, restricted, logs in by the socket as the monitoring role, with the shipped queries', () => {
    const exporter = podSpec.containers.find((c: any) => c.name === 'exporter');
    const server = podSpec.containers.find((c: any) => c.name === 'postgres');
    expect(exporter.image).toBe(server.image);
    expect(exporter.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(exporter.env).toEqual([{ name: 'DATA_SOURCE_NAME', value: `host=/var/run/postgresql port=5432 user=${MONITOR_ROLE} dbname=postgres sslmode=disable` }]);
    expect(exporter.volumeMounts.map((m: any) => m.mountPath)).toContain('/var/run/postgresql');
    const queries = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'postgres-exporter');
    expect(queries?.data['queries.yaml']).toBe(shippedFile('constructs/postgres/files/exporter-queries.yaml'));
    // The image ships the exporter version the e2e scrapes.
    expect(file(rendered, `images/postgres-debezium/${name}/packages`)).toContain(`prometheus-postgres-exporter=${POSTGRES_PACKAGES['prometheus-postgres-exporter']}\n`);
    expect(POSTGRES_EXPORTER_VERSION).toBe('0.17.1');
  });

  it('scrapes are admitted from the monitoring namespace only (the exporter, Kafka Exporter, each consumer)', () => {
    const monitoring = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': observability.namespace } }, podSelector: { matchLabels: {} } };
    const targets: [string, Record<string, string>, number][] = [
      [namespaces.data, database.spec.template.metadata.labels, POSTGRES_EXPORTER_PORT],
      [
        namespaces.streaming,
        { 'strimzi.io/cluster': kafka.metadata.name, 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': `${kafka.metadata.name}-kafka-exporter` },
        STRIMZI_METRICS_PORT,
      ],
      ...objects
        .filter((o) => o.kind === 'Deployment' && o.metadata.namespace === namespaces.apps && o.metadata.labels?.['app.kubernetes.io/component'] === 'consumer')
        .map((d): [string, Record<string, string>, number] => [namespaces.apps, d.spec.template.metadata.labels, d.spec.template.spec.containers[0].ports[0].containerPort]),
    ];
    expect(targets.length).toBeGreaterThanOrEqual(3);
    for (const [namespace, labels, port] of targets) {
      const rules = ingressTo(objects, namespace, labels, port);
      expect(rules.length, `${namespace} ${JSON.stringify(labels)} :${port}`).toBeGreaterThan(0);
      for (const rule of rules) expect(rule.from).toEqual([monitoring]);
    }
  });

  it('every PodMonitor selects rendered pods (or Strimzi-made ones) on a port they name', () => {
    const monitors = objects.filter((o) => o.kind === 'PodMonitor');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(
      [`${connect.metadata.name}-connect`, `${kafka.metadata.name}-kafka`, `${kafka.metadata.name}-kafka-exporter`, 'consumers', 'postgres'].sort(),
    );
    for (const monitor of monitors) {
      const selector = monitor.spec.selector.matchLabels as Record<string, string>;
      const port = monitor.spec.podMetricsEndpoints[0].port;
      if (selector['strimzi.io/kind']) {
        // Strimzi's pods: named `tcp-prometheus` by the operator when metrics are on.
        expect(port).toBe('tcp-prometheus');
        expect(monitor.spec.podTargetLabels).toEqual(['strimzi.io/cluster']);
        continue;
      }
      const pods = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.namespace === monitor.metadata.namespace);
      const selected = pods.filter((p) => Object.entries(selector).every(([k, v]) => p.spec.template.metadata.labels[k] === v));
      expect(selected.length, monitor.metadata.name).toBeGreaterThan(0);
      for (const pod of selected) expect(pod.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name))).toContain(port);
    }
  });

  it('every alert has a severity and a runbook: a section of docs/operations.md', () => {
    const rules = rulesOf(objects);
    expect(rules.length).toBeGreaterThanOrEqual(20);
    for (const rule of rules) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels.severity);
      const [url, section] = rule.annotations.runbook_url.split('#');
      expect(url).toBe(RUNBOOK_URL);
      expect(runbookAnchors.has(section), `${rule.alert}: docs/operations.md has no section #${section}`).toBe(true);
      expect(section).toBe(rule.alert.toLowerCase());
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
    }
    // Rendered with the environment's names: no placeholder is left.
    expect(JSON.stringify(rules)).not.toMatch(/\$\{[A-Z_]+\}/);
  });

  it('the alerts use the configured thresholds', () => {
    const variant = objectsOf(renderVariant(name, (c) => (c.observability = { alerts: { consumerLagRecords: 123, streamingLagSeconds: 7 } })));
    const expr = (objects: readonly RenderedObject[], alert: string) =>
      objects
        .filter((o) => o.kind === 'PrometheusRule')
        .flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules))
        .find((r: any) => r.alert === alert).expr;
    expect(expr(variant, 'CdcConsumerLagHigh')).toMatch(/> 123$/);
    expect(expr(variant, 'CdcStreamingLagHigh')).toMatch(/> 7000$/);
    expect(expr(objects, 'CdcStreamingLagHigh')).toMatch(/> 300000$/);
  });

  it('one dashboard per layer, each a ConfigMap with the discovery label and Grafana JSON that reads Prometheus through a variable', () => {
    const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.[observability.grafanaDashboardLabel] === '1');
    expect(dashboards.map((d) => d.metadata.name)).toEqual(DASHBOARD_LAYERS.map((layer) => `cdc8s-${name}-${layer}`));
    for (const dashboard of dashboards) {
      const model = JSON.parse(Object.values(dashboard.data as Record<string, string>)[0]);
      expect(model.uid).toBe(dashboard.metadata.name);
      expect(model.panels.length).toBeGreaterThan(0);
      for (const panel of model.panels) {
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        for (const target of panel.targets) expect(target.expr).not.toMatch(/\$\{[A-Z_]+\}/);
      }
    }
  });
});

describe('the placeholders of shipped alert and dashboard files', () => {
  it('refuses a placeholder without a value, and (for the alerts) a value nothing uses', () => {
    expect(() => fillPlaceholders('constructs/observability/files/alerts.yaml', {}, { allUsed: true })).toThrow(/placeholder \$\{DATA_NAMESPACE\} has no value/);
    const values = Object.fromEntries([...shippedFile('constructs/observability/files/alerts.yaml').matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => [m[1], 'x']));
    expect(() => fillPlaceholders('constructs/observability/files/alerts.yaml', values, { allUsed: true })).not.toThrow();
    expect(() => fillPlaceholders('constructs/observability/files/alerts.yaml', { ...values, EXTRA: 1 }, { allUsed: true })).toThrow(/no placeholder uses EXTRA/);
  });
});
