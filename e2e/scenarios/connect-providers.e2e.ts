import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distManifests } from '../../test/helpers';
import { availableOrSkip } from '../harness/available';
import { componentsFor, missingToolchain, type Components } from '../harness/components';
import { connectWorkerProperties } from '../harness/strimzi';
import { RenderedObject } from '../../src/model/rendered-object';

/**
 * What a KafkaConnector's config can pull out of a Connect worker through the config providers
 * Strimzi 1.2.0 declares, resolved by Kafka's own providers and ConfigTransformer (E2eTool
 * resolve) from the worker config Strimzi writes for the rendered KafkaConnect: only what
 * Strimzi itself reads, no other environment variable, no file outside the image's /opt/kafka.
 */
const ready = availableOrSkip(missingToolchain());

describe.runIf(ready)("a connector cannot read the worker's environment or files through the config providers", () => {
  const { objects } = distManifests('eks');
  const dir = mkdtempSync(join(tmpdir(), 'cdc8s-providers-'));
  const kafkaHome = join(dir, 'opt-kafka');
  let bin: Components;
  let worker: string;

  /** Resolves one reference as the worker would; the value's sha256, or undefined when it stays unresolved. */
  const resolve = (reference: string): string | undefined => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ probe: reference }));
    const run = spawnSync(bin.java, ['-Xmx128m', '-cp', bin.classpath, 'cdc8s.e2e.E2eTool', 'resolve', worker, config], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ADVERTISED_HOSTNAME: 'cdc-connect-0.cdc-connect', DATABASE_PASSWORD: 'an-env-secret' },
    });
    const line = run.stdout.trim().split('\n').pop() as string;
    if (run.status !== 0 || line.startsWith('FAILED')) throw new Error(`E2eTool resolve: ${line}\n${run.stderr.slice(-2000)}`);
    return JSON.parse(line).probe;
  };

  beforeAll(() => {
    bin = componentsFor(objects);
    mkdirSync(kafkaHome, { recursive: true });
    writeFileSync(join(kafkaHome, 'kafka.properties'), 'key=in-kafka-home\n');
    writeFileSync(join(dir, 'credentials.properties'), 'password=a-file-secret\n');
    worker = join(dir, 'worker.properties');
    writeFileSync(
      worker,
      connectWorkerProperties(objects.find((o) => o.kind === 'KafkaConnect') as RenderedObject, {
        bootstrapServers: '127.0.0.1:9093',
        truststorePem: join(dir, 'ca.pem'),
        restHost: '127.0.0.1',
        restPort: 8083,
        pluginPath: dir,
        secretsDir: dir,
        kafkaHome,
      }),
    );
  }, 20 * 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("Strimzi's own references still resolve: ${strimzienv:ADVERTISED_HOSTNAME}, a file in /opt/kafka", () => {
    expect(resolve('${strimzienv:ADVERTISED_HOSTNAME}')).toBeDefined();
    expect(resolve(`\${strimzifile:${join(kafkaHome, 'kafka.properties')}:key}`)).toBeDefined();
  });

  it.each([
    ['any other environment variable', '${strimzienv:DATABASE_PASSWORD}'],
    ['any readable file', '${strimzifile:/etc/passwd:root}'],
    ['a credentials file outside /opt/kafka', 'SECRET_FILE'],
    // Strimzi already limits strimzidir to /opt/kafka: this keeps it so.
    ['a directory outside /opt/kafka', '${strimzidir:/etc:hostname}'],
  ])('%s stays unresolved: %s', (_what, reference) => {
    expect(resolve(reference === 'SECRET_FILE' ? `\${strimzifile:${join(dir, 'credentials.properties')}:password}` : reference)).toBeUndefined();
  });
});
