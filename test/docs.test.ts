import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationReference, CONFIGURATION_DOC } from '../src/cli/config-docs';
import { PINNED_FILES } from '../src/validate/upstream';
import { resolveEnvironment } from '../src/platforms/resolve';
import { distManifests, ENVIRONMENTS, envFile, ROOT } from './helpers';

/**
 * The README and docs/ say only what is true: the configuration reference is the schema's, every
 * link lands on a heading, every command block is run by a named test or marked as needing a real
 * cluster, and the claims about the toolchain and the tests match what is there.
 */
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => join('docs', f))];
const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** GitHub's anchor for a heading. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
const anchorsOf = (file: string) => new Set([...text(file).matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1])));

describe('README and docs/', () => {
  it('the README is for newcomers: under 200 lines', () => {
    expect(text('README.md').split('\n').length).toBeLessThan(200);
  });

  it('docs/configuration.md is what the schema generates (npm run docs)', () => {
    expect(text(CONFIGURATION_DOC)).toBe(configurationReference());
  });

  it('every relative link reaches a file, and its #anchor a heading there', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      // Inline code is not a link (a pattern like `[a-z](x)` would look like one).
      for (const [, target] of text(file)
        .replace(/`[^`\n]*`/g, '')
        .matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:/.test(target)) continue;
        const [path, hash] = target.split('#');
        const resolved = path ? normalize(join(dirname(file), path)) : file;
        if (!existsSync(join(ROOT, resolved))) broken.push(`${file}: ${target} (no ${resolved})`);
        else if (hash && resolved.endsWith('.md') && !anchorsOf(resolved).has(hash)) broken.push(`${file}: ${target} (no heading #${hash} in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every shell block is run by the tests it names, or marked as needing a real cluster', () => {
    const unproven: string[] = [];
    for (const file of DOCS) {
      // A command continued with a trailing backslash is one command.
      const lines = text(file)
        .replace(/\\\n\s*/g, '')
        .split('\n');
      lines.forEach((line, i) => {
        if (line !== '```sh') return;
        const marker = /^<!-- (tested by ([^:]+)|needs a real cluster): .+ -->$/.exec(lines[i - 1] ?? '');
        if (!marker) return void unproven.push(`${file}:${i + 1}: no <!-- tested by ...: --> or <!-- needs a real cluster: --> line above the block`);
        if (!marker[2]) return;
        const tests = marker[2].split(', ');
        const missing = tests.filter((t) => !existsSync(join(ROOT, t)));
        if (missing.length) return void unproven.push(`${file}:${i + 1}: names ${missing.join(', ')}, which does not exist`);
        const sources = tests.map((t) => text(t)).join('\n');
        const end = lines.indexOf('```', i + 1);
        for (const command of lines.slice(i + 1, end).map((l) => l.replace(/\s+#.*$/, '').trim())) {
          if (!command || command.startsWith('#')) continue;
          // What identifies the command in a test: the npm script, or the tool's subcommand.
          for (const part of command.split(/&&|\|/).map((p) => p.trim().split(/\s+/))) {
            const key = part[0] === 'npm' ? (part[1] === 'run' ? part.find((w, k) => k > 1 && !w.startsWith('-')) : part[1]) : part[1];
            if (key && part[0] !== '\\' && !sources.includes(key)) unproven.push(`${file}:${i + 1}: '${part.join(' ')}' is not in ${tests.join(', ')}`);
          }
        }
      });
    }
    expect(unproven).toEqual([]);
  });

  it('the pinned-files count is the number of files pinned in src/validate/upstream.ts', () => {
    const claimed = /<!-- pinned-files -->(\d+)<!-- \/pinned-files -->/.exec(text('docs/development.md'))?.[1];
    expect(Number(claimed)).toBe(Object.values(PINNED_FILES).flat().length);
  });

  it('the suites said to need outside data are exactly those that can skip', () => {
    const table = text('docs/development.md').split('<!-- outside-data:begin -->')[1].split('<!-- outside-data:end -->')[0];
    const listed = [...table.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]).filter((name) => existsSync(join(ROOT, 'test', `${name}.test.ts`)));
    const skipping = readdirSync(join(ROOT, 'test'))
      .filter((f) => f.endsWith('.test.ts') && /availableOrSkip\(|schemasAvailable\(\)|crdsAvailable\(\)|postgresAvailable\(/.test(text(join('test', f))))
      .map((f) => f.replace('.test.ts', ''))
      .filter((name) => name !== 'docs');
    expect([...new Set(listed)].sort()).toEqual(skipping.sort());
  });

  it('the Node claim holds: every package whose engines exclude Node 20 is one the docs name', () => {
    const lock = JSON.parse(text('package-lock.json')) as { packages: Record<string, { engines?: { node?: string } }> };
    const excluding = Object.entries(lock.packages)
      .filter(([, p]) => /^>=\s*2[1-9]/.test(p.engines?.node ?? ''))
      .map(([path]) => path.split('node_modules/').pop() as string);
    const named = [
      'kubernetes-models',
      '@kubernetes-models/apimachinery',
      '@kubernetes-models/base',
      '@kubernetes-models/validate',
      '@kubernetes-models/external-secrets',
      '@kubernetes-models/gateway-api',
    ];
    expect([...new Set(excluding)].sort()).toEqual(named.sort());
    expect(text('docs/development.md')).toContain('**Node 20** (what CI runs) or later');
    expect(JSON.parse(text('package.json')).engines.node).toBe('>=20');
  });
});

describe('what the docs say about the rendered objects', () => {
  it('names every example application image as a placeholder (cdc8s publishes none)', () => {
    const images = ENVIRONMENTS.flatMap((env) => {
      const { config } = resolveEnvironment(envFile(env));
      return [config.api.image, ...(config.consumers ?? []).map((c) => c.image)].map((i) => i.repository.split('/').pop() as string);
    });
    const placeholders = text('docs/deploy.md').split('**placeholders for your own')[0];
    for (const image of new Set(images)) expect(placeholders, image).toContain(`\`${image}\``);
  });

  it("the consumer's Kafka Secret is the one docs/security.md names: the KafkaAccess writes <consumer>-kafka", () => {
    expect(text('docs/security.md')).toContain('`<consumer>-kafka`');
    const { config } = resolveEnvironment(envFile('minikube'));
    const accesses = distManifests('minikube').objects.filter((o) => o.kind === 'KafkaAccess');
    expect(accesses.map((o) => o.metadata.name).sort()).toEqual((config.consumers ?? []).map((c) => `${c.name}-kafka`).sort());
  });

  it("the configuration reference marks what is required, a consumer's resources included", () => {
    expect(text(CONFIGURATION_DOC)).toContain('| `consumers[].resources` (required) |');
  });
});
