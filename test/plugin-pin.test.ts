import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEBEZIUM_PLUGIN_SHA512, debeziumPostgresPluginUrl } from '../src/model/debezium-plugin';
import { availableOrSkip, ENVIRONMENTS, objectsOf, ofKind, render, renderVariant } from './helpers';

/** Downloads an archive from Maven Central; where it cannot be reached, the reason as a string. */
async function download(url: string): Promise<Buffer | string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (!response.ok) return `HTTP ${response.status}`;
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the Debezium plugin archive is pinned by sha512', () => {
  it.each(Object.entries(DEBEZIUM_PLUGIN_SHA512))(
    '%s: the pin is the sha512 of the archive Maven Central serves',
    async (version, pinned) => {
      const archive = await download(debeziumPostgresPluginUrl(version));
      // Maven Central is reachable on CI and developer machines; a fresh clone offline skips.
      if (!availableOrSkip(typeof archive === 'string' ? `Maven Central unreachable (${archive})` : undefined)) return;
      expect(
        createHash('sha512')
          .update(archive as Buffer)
          .digest('hex'),
      ).toBe(pinned);
    },
    120_000,
  );

  it.each(ENVIRONMENTS)('%s: every build of the plugin checks the pinned checksum', (env) => {
    const rendered = render(env);
    const connect = ofKind(objectsOf(rendered), 'KafkaConnect')[0];
    const pinned = DEBEZIUM_PLUGIN_SHA512['3.7.0.Final'];
    if (connect.spec.build) {
      expect(connect.spec.build.plugins[0].artifacts[0].sha512sum).toBe(pinned);
    } else {
      expect(rendered.files.get(`images/kafka-connect-debezium/${env}/Dockerfile`)).toContain(pinned);
    }
  });

  it('a Debezium version cdc8s has no pin for needs connect.pluginSha512', () => {
    expect(() =>
      renderVariant('eks', (c) => {
        c.connect.debeziumVersion = '3.7.1.Final';
      }),
    ).toThrow(/\/connect\/pluginSha512 is required for Debezium 3\.7\.1\.Final/);
    expect(() =>
      renderVariant('eks', (c) => {
        c.connect.debeziumVersion = '3.7.1.Final';
        c.connect.pluginSha512 = 'c'.repeat(128);
      }),
    ).not.toThrow();
  });
});
