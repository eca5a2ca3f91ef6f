import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cacheRoot } from '../src/model/package-root';
import { sharedDir } from '../src/validate/sources';
import { PINNED_FILES } from '../src/validate/upstream';
import { availableOrSkip, cliAsync, copyOfDist, snapshotTree, tempDir } from './helpers';

/**
 * A fresh clone has no ../shared: the first synth downloads the pinned schemas and CRDs, checks
 * each against its committed sha256 and caches it. Here a loopback HTTP server serves ../shared
 * as the mirror (CDC8S_SCHEMA_MIRROR), and CDC8S_SHARED_DIR points at an empty directory.
 */
const PINNED = Object.values(PINNED_FILES).flat();
const TAMPERED = 'schemas/kubernetes/v1.35.0.json';

/** Serves the shared directory; records each requested path; serves `tampered` bytes in place of some files. */
class SharedMirror {
  readonly requests: string[] = [];
  readonly tampered = new Map<string, Buffer>();
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://mirror').pathname)).replace(/^\/+/, '');
      this.requests.push(path);
      const file = join(sharedDir(), path);
      if (path.startsWith('..') || !existsSync(file)) return void response.writeHead(404).end();
      response.writeHead(200).end(this.tampered.get(path) ?? readFileSync(file));
    });
    await new Promise<void>((ready) => this.server?.listen(0, '127.0.0.1', ready));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}

/** The mirror serves ../shared: every pinned file must be there. */
const haveShared = availableOrSkip(
  PINNED.some((f) => !existsSync(join(sharedDir(), f.path))) ? `the pinned schemas are not all in ${sharedDir()}: run \`npm run fetch-schemas -- ${sharedDir()}\`` : undefined,
);
const mirror = new SharedMirror();
let url = '';

beforeAll(async () => {
  mkdirSync(join(cacheRoot(), 'code'), { recursive: true });
  if (haveShared) url = await mirror.start();
});
afterAll(() => mirror.stop());
beforeEach(() => {
  mirror.requests.length = 0;
  mirror.tampered.clear();
});

/** A synth as in a fresh clone: no shared directory, an empty cache, the loopback mirror. */
function freshCloneSynth(args: string[], env: Record<string, string | undefined> = {}) {
  const cache = tempDir('cdc8s-cache-');
  // Only the download cache starts empty: compiled validators are the repository's, as in any run.
  symlinkSync(join(cacheRoot(), 'code'), join(cache, 'code'), 'dir');
  const emptyShared = tempDir('cdc8s-no-shared-');
  const out = copyOfDist();
  const run = (extra: Record<string, string | undefined> = {}) =>
    cliAsync('synth', ['--env', 'eks', '--out', out, ...args], {
      env: { CI: undefined, CDC8S_SHARED_DIR: emptyShared, CDC8S_CACHE_DIR: cache, CDC8S_SCHEMA_MIRROR: url, ...env, ...extra },
    });
  return { cache: join(cache, 'upstream'), out, run };
}

describe.runIf(haveShared)('schemas downloaded for a fresh clone', () => {
  it('the first synth downloads every pinned file, verifies it, caches it and validates strictly; the next downloads nothing', async () => {
    const { cache, run } = freshCloneSynth([]);
    const first = await run();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain(`validate: downloaded ${PINNED.length} upstream schema file(s)`);
    expect(first.stdout).toContain('validate: not validated: none');
    expect(first.stdout).toMatch(/against Kubernetes v1\.30\.0 \+ v1\.35\.0 \(strict\).*against Strimzi 1\.2\.0 CRDs \(strict\)/);
    expect(mirror.requests.sort()).toEqual(PINNED.map((f) => f.path).sort());
    for (const file of PINNED) expect(sameBytes(join(cache, file.path), join(sharedDir(), file.path)), file.path).toBe(true);

    mirror.requests.length = 0;
    const second = await run();
    expect(second.status, second.stderr).toBe(0);
    expect(mirror.requests).toEqual([]);
    expect(second.stderr).not.toContain('downloaded');
    expect(second.stdout).toContain('validate: not validated: none');
  });

  it('refuses a file whose sha256 is not the pinned one: names it, exits 1, caches nothing of it and writes nothing', async () => {
    const original = readFileSync(join(sharedDir(), TAMPERED));
    mirror.tampered.set(TAMPERED, Buffer.concat([original, Buffer.from(' ')]));
    const { cache, out, run } = freshCloneSynth([]);
    const before = snapshotTree(out);
    const result = await run();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`validate: ${TAMPERED.replace(/\./g, '\\.')} downloaded from http://127\\.0\\.0\\.1:\\d+/${TAMPERED}.* not the pinned .*refused`));
    expect(existsSync(join(cache, TAMPERED))).toBe(false);
    expect(snapshotTree(out)).toEqual(before);
  });

  it('a cached copy that no longer matches its pin is downloaded again', async () => {
    const { cache, run } = freshCloneSynth([]);
    expect((await run()).status).toBe(0);
    writeFileSync(join(cache, TAMPERED), '{"definitions": {}}');
    mirror.requests.length = 0;
    const again = await run();
    expect(again.status, again.stderr).toBe(0);
    expect(mirror.requests).toEqual([TAMPERED]);
    expect(sameBytes(join(cache, TAMPERED), join(sharedDir(), TAMPERED))).toBe(true);
  });

  it('network down: warns as without schemas, lists what it could not validate and passes; fails under CI=true', async () => {
    const down = { CDC8S_SCHEMA_MIRROR: await closedPortUrl() };
    const { run } = freshCloneSynth([], down);
    const result = await run();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /validate: warning: could not download 13 upstream schema file\(s\): http:\/\/127\.0\.0\.1:\d+\/\S+: ECONNREFUSED \(and 12 more\); not retried for an hour/,
    );
    // One warning: the per-source "not found" lines would repeat it.
    expect(
      result.stderr
        .trim()
        .split('\n')
        .filter((line) => line.includes('warning:')),
    ).toHaveLength(1);
    expect(result.stdout).toContain('kafka.strimzi.io/v1 Kafka (Strimzi CRDs missing)');
    const underCi = await run({ CI: 'true' });
    expect(underCi.status).toBe(1);
    expect(underCi.stderr).toContain('validate: Kubernetes JSON schemas not found');
  });

  it('a failed download is not retried for an hour: the next synth makes no request and says so in one line; CI retries at once', async () => {
    const { run } = freshCloneSynth([], { CDC8S_SCHEMA_MIRROR: await closedPortUrl() });
    expect((await run()).status).toBe(0);
    const warm = await run({ CDC8S_SCHEMA_MIRROR: url });
    expect(warm.status, warm.stderr).toBe(0);
    expect(mirror.requests).toEqual([]);
    expect(warm.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^validate: warning: 5 upstream schema source\(s\) missing; the download failed at \d\d:\d\d UTC \(.*ECONNREFUSED\) and is retried after \d\d:\d\d UTC, or now by npm run fetch-schemas$/,
      ),
    ]);
    const underCi = await run({ CDC8S_SCHEMA_MIRROR: url, CI: 'true' });
    expect(underCi.status, underCi.stderr).toBe(0);
    expect(mirror.requests).toHaveLength(PINNED.length);
  });

  it('--offline downloads nothing and warns', async () => {
    const result = await freshCloneSynth(['--offline']).run();
    expect(result.status, result.stderr).toBe(0);
    expect(mirror.requests).toEqual([]);
    expect(result.stderr).toContain('npm run fetch-schemas');
    expect(result.stdout).toContain('v1 Service (Kubernetes schemas missing)');
  });

  it('--k8s-schemas and --crds are used as given: only the source they do not name is downloaded', async () => {
    const shared = sharedDir();
    const result = await freshCloneSynth(['--k8s-schemas', join(shared, 'schemas', 'kubernetes'), '--crds', join(shared, 'crds', 'strimzi-1.2.0')]).run();
    expect(result.status, result.stderr).toBe(0);
    expect(mirror.requests).toEqual([...PINNED_FILES.kafkaAccess, ...PINNED_FILES.certManager, ...PINNED_FILES.prometheusOperator].map((f) => f.path));
    expect(result.stdout).toContain('validate: not validated: none');
  });

  it('CDC8S_SHARED_DIR with the schemas: nothing is downloaded', async () => {
    const result = await freshCloneSynth([], { CDC8S_SHARED_DIR: sharedDir() }).run();
    expect(result.status, result.stderr).toBe(0);
    expect(mirror.requests).toEqual([]);
    expect(result.stdout).toContain('validate: not validated: none');
  });
});

/** Buffer.equals: toEqual compares megabytes element by element. */
function sameBytes(a: string, b: string): boolean {
  return readFileSync(a).equals(readFileSync(b));
}

/** A loopback URL nothing listens on: a port the OS gave a server that is closed again. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return `http://127.0.0.1:${port}`;
}

// The pins are the shared directory's bytes, which CI's copy says are upstream's at the pinned tags.
describe.runIf(haveShared)('pinned sha256', () => {
  it.each(PINNED.map((f) => [f.path, f]))('%s matches ../shared', (_path, file) => {
    expect(
      createHash('sha256')
        .update(readFileSync(join(sharedDir(), file.path)))
        .digest('hex'),
    ).toBe(file.sha256);
  });
});
