import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RenderedObject } from '../../src/model/rendered-object';
import { STRIMZI_METRICS_PORT } from '../../src/model/strimzi';

/** One sample of a scrape: its metric name, labels and value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * The JMX exporter rules a rendered Kafka or KafkaConnect points Strimzi at (its metricsConfig's
 * ConfigMap key), written to `dir`; undefined when it renders no metrics.
 */
export function jmxRulesFile(objects: readonly RenderedObject[], resource: RenderedObject, dir: string): string | undefined {
  const metricsConfig = resource.kind === 'Kafka' ? resource.spec.kafka.metricsConfig : resource.spec.metricsConfig;
  if (!metricsConfig) return undefined;
  const { name, key } = metricsConfig.valueFrom.configMapKeyRef as { name: string; key: string };
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && o.metadata.namespace === resource.metadata.namespace);
  if (!configMap) throw new Error(`${resource.kind} ${resource.metadata.name}: metricsConfig names ConfigMap ${name}, which is not rendered`);
  const file = join(dir, `${resource.kind.toLowerCase()}-${name}-${key}`);
  writeFileSync(file, configMap.data[key]);
  return file;
}

/** The JVM option that attaches the JMX exporter on `host`, at Strimzi's metrics port. */
export function metricsAgentOption(agentJar: string, host: string, rulesFile: string): string {
  return `-javaagent:${agentJar}=${host}:${STRIMZI_METRICS_PORT}:${rulesFile}`;
}

/** Fetches a Prometheus text exposition (bounded: 10 s) and parses its samples. */
export async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`scrape ${url}: HTTP ${response.status}`);
  return parseExposition(await response.text());
}

/** Samples of the Prometheus text format (comments skipped; label values unescaped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1]] = label[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return samples;
}
