import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors';
import { MAX_CONFIG_BYTES } from '../src/config/load';
import { cli, copyOfDist, ENVIRONMENTS, envFile, ROOT, snapshotTree, tempDir } from './helpers';
import { resolveEnvironment } from '../src/platforms/resolve';
import { mebibytes } from '../src/constructs/k8s/resources';

const BAD = join('test', 'fixtures', 'bad-configs');
const fixtures = readdirSync(join(ROOT, BAD))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** Each fixture states the message it must produce on its first line: `# expect: …`. */
function expectation(fixture: string): string {
  const first = readFileSync(join(ROOT, BAD, fixture), 'utf8').split('\n')[0];
  const match = /^# expect: (.+)$/.exec(first);
  if (!match) throw new Error(`${fixture}: first line must be '# expect: <message>'`);
  return match[1];
}

describe('a bad environment file is rejected with the file, the JSON path and the rule', () => {
  it('has a corpus of at least forty bad configs', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
  });

  it.each(fixtures)('%s', (fixture) => {
    const path = join(BAD, fixture);
    let error: unknown;
    try {
      resolveEnvironment(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(`${path}: ${expectation(fixture)}`);
    // Every message ends with the rule in parentheses.
    expect(message).toMatch(/^\S+: \/\S* .+ \(.+\)$/);
  });
});

describe('the synth command fails cleanly on a bad config', () => {
  it.each(fixtures)('%s: exits non-zero, prints one line without a stack trace, writes nothing', (fixture) => {
    const out = copyOfDist();
    const before = snapshotTree(out);
    const result = cli('synth', ['--config', join(BAD, fixture), '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(expectation(fixture));
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(snapshotTree(out)).toEqual(before);
  });

  it('one bad file among good ones writes none of them', () => {
    const out = copyOfDist();
    const before = snapshotTree(out);
    const result = cli('synth', ['--config', 'environments/minikube.yaml', '--config', join(BAD, 'eks-single-api-replica.yaml'), '--out', out]);
    expect(result.status).toBe(1);
    expect(snapshotTree(out)).toEqual(before);
  });

  it('--debug adds the stack trace', () => {
    const result = cli('synth', ['--config', join(BAD, 'unknown-platform.yaml'), '--out', copyOfDist(), '--debug']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('a file over the size limit is refused before it is parsed', () => {
    const big = join(tempDir(), 'huge.yaml');
    writeFileSync(big, `# ${'x'.repeat(MAX_CONFIG_BYTES)}\nplatform: minikube\n`);
    const out = copyOfDist();
    const before = snapshotTree(out);
    const result = cli('synth', ['--config', big, '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`${big}: / is ${MAX_CONFIG_BYTES + 22} bytes (environment files are at most ${MAX_CONFIG_BYTES} bytes)`);
    expect(snapshotTree(out)).toEqual(before);
  });

  it('an unknown argument is a usage error (exit 2)', () => {
    expect(cli('synth', ['--nope']).status).toBe(2);
  });
});

describe('the shipped environments are valid', () => {
  it.each(ENVIRONMENTS)('%s', (name) => {
    const env = resolveEnvironment(envFile(name));
    expect(env.name).toBe(name);
    expect(env.config.platform).toBe(name);
  });

  it('fills every default from the schema', () => {
    const { config } = resolveEnvironment(join(ROOT, 'test', 'fixtures', 'good-configs', 'minimal-minikube.yaml'));
    expect(config.namespaces).toEqual({ data: 'cdc-data', streaming: 'cdc-streaming', apps: 'cdc-apps' });
    expect(config.capture).toMatchObject({ publication: 'cdc8s_publication', slot: 'cdc8s_slot', tables: [{ schema: 'public', table: 'transactions' }] });
    expect(config.minikube).toEqual({ postgresHostPath: '/data/cdc8s/postgres' });
    expect(config.api.replicas).toBe(2);
  });

  it('takes a fractional memory quantity, as Kubernetes does (1.5Gi is 1536Mi)', () => {
    const { config } = resolveEnvironment(join(ROOT, 'test', 'fixtures', 'good-configs', 'fractional-memory.yaml'));
    expect(config.postgres.resources.requests.memory).toBe('1.5Gi');
    expect(mebibytes(config.postgres.resources.requests.memory)).toBe(1536);
  });
});
