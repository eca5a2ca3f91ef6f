import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { pairedRatio, spread } from '../bench/measure';
import { scaleConfigText } from '../bench/scale-config';
import { MAX_CONFIG_BYTES, validateConfig } from '../src/config/load';
import { renderEnvironment } from '../src/output/render';
import { ofKind, parseYamlObjects, ROOT } from './helpers';
import { resolveConfig } from '../src/platforms/resolve';

/** The scale config for n, loaded exactly as an environment file is, and rendered. */
function renderScale(n: number) {
  const text = scaleConfigText(ROOT, n);
  const env = resolveConfig(`scale-${n}`, `scale-${n}.yaml`, parse(text));
  const rendered = renderEnvironment(env);
  return { text, config: env.config, objects: rendered.manifests.flatMap((m) => parseYamlObjects(m.text)) };
}

describe('the bench scale configs grow the pipeline by n consumers and n captured tables', () => {
  it.each([1, 10])('with n = %i: a valid environment with n consumer Deployments, one CDC topic per table, one KafkaUser per consumer', (n) => {
    const { config, objects } = renderScale(n);
    expect(config.consumers).toHaveLength(n);
    expect(config.capture.tables).toHaveLength(n);
    const consumerNames = new Set(config.consumers.map((c) => c.name));
    expect(ofKind(objects, 'Deployment').filter((d) => consumerNames.has(d.metadata.name))).toHaveLength(n);
    const users = ofKind(objects, 'KafkaUser').map((u) => u.metadata.name);
    for (const name of consumerNames)
      expect(
        users.some((u) => u.includes(name)),
        name,
      ).toBe(true);
    const tables = config.capture.tables.map((t) => t.table);
    for (const table of tables)
      expect(
        ofKind(objects, 'KafkaTopic').some((t) => t.metadata.name.endsWith(`.${table}`)),
        table,
      ).toBe(true);
  });

  it('the largest size the bench uses (500) is a valid file within the config size limit', () => {
    const text = scaleConfigText(ROOT, 500);
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_CONFIG_BYTES);
    expect(validateConfig('scale-500.yaml', parse(text)).consumers).toHaveLength(500);
  });
});

describe('bench statistics', () => {
  it('the median of an odd series is its middle value, of an even series the mean of the two middle values', () => {
    expect(spread([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('ratios are taken round by round before the median, not as a ratio of medians', () => {
    // Round 2 ran on a slow machine: both commands took 10× as long, and the pairwise ratio stays 2.
    const a = [2, 20, 2.2];
    const b = [1, 10, 1.1];
    expect(pairedRatio(a, b).median).toBeCloseTo(2);
    expect(pairedRatio([1, 10, 3], [1, 1, 100]).median).toBe(1);
    expect(spread([1, 10, 3]).median / spread([1, 1, 100]).median).toBe(3);
  });

  it('refuses series that were not measured in the same rounds', () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow('unpaired');
  });
});
