import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { envFile, parseYamlObjects, ROOT, tempDir } from '../../test/helpers';
import type { RenderedObject } from '../../src/model/rendered-object';

/**
 * cdc8s as a library, the way another cdk8s app gets it: `npm pack`, then the example app
 * (examples/custom-consumer) in an empty directory installs the tarball from the npm registry's
 * view of it (its dependencies resolved by npm), compiles against the shipped declarations and
 * synthesizes a pipeline with a consumer of its own.
 */
const EXAMPLE = join(ROOT, 'examples', 'custom-consumer');

function run(command: string, args: string[], cwd: string, timeout = 5 * 60_000): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? result.status}):\n${result.stdout.slice(-3000)}${result.stderr.slice(-3000)}`);
  return result.stdout;
}

describe('the packed library in an empty project', () => {
  const project = tempDir('cdc8s-package-');
  let tarball: string;
  let entries: string[];
  let objects: RenderedObject[];

  beforeAll(() => {
    run('npm', ['pack', '--pack-destination', project], ROOT);
    tarball = readdirSync(project).find((f) => f.endsWith('.tgz')) as string;
    entries = execFileSync('tar', ['tzf', join(project, tarball)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    const example = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ ...example, dependencies: { ...example.dependencies, cdc8s: `file:./${tarball}` } }, null, 2));
    for (const file of ['main.ts', 'tsconfig.json']) copyFileSync(join(EXAMPLE, file), join(project, file));
    run('npm', ['install'], project, 10 * 60_000);
    run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', project], project);
    run(process.execPath, ['main.js', envFile('minikube')], project);
    objects = readdirSync(join(project, 'dist')).flatMap((f) => parseYamlObjects(readFileSync(join(project, 'dist', f), 'utf8')));
  }, 15 * 60_000);

  it('ships compiled JavaScript with its declarations, the files the constructs read, and no sources, tests or output', () => {
    const files = entries.map((e) => e.replace(/^package\//, ''));
    expect(files).toContain('lib/src/index.js');
    expect(files).toContain('lib/src/index.d.ts');
    expect(files).toContain('lib/src/constructs/postgres/files/Dockerfile');
    // The exporters' rules and queries, the alerts and the dashboards the observability constructs read.
    expect(files).toContain('lib/src/constructs/observability/files/alerts.yaml');
    expect(files).toContain('lib/src/constructs/observability/files/dashboards/kafka.json');
    const unexpected = files.filter(
      (f) => !/^lib\/(src|imports)\/.*(\.(js|d\.ts|json|sh|sql|conf|yaml)|\/Dockerfile)$/.test(f) && !['package.json', 'README.md', 'lib/package.json'].includes(f),
    );
    expect(unexpected).toEqual([]);
    for (const js of files.filter((f) => f.endsWith('.js'))) expect(files, js).toContain(js.replace(/\.js$/, '.d.ts'));
  });

  it("imports the package by name and synthesizes the environment's pipeline", () => {
    expect(readFileSync(join(project, 'main.ts'), 'utf8')).toContain("from 'cdc8s'");
    const kinds = new Set(objects.map((o) => o.kind));
    for (const kind of ['Kafka', 'KafkaConnect', 'KafkaConnector', 'StatefulSet', 'Deployment', 'KafkaTopic', 'KafkaUser', 'NetworkPolicy']) expect(kinds).toContain(kind);
  });

  it('the added consumer gets its KafkaUser (read on its topics, its group), a KafkaAccess, the NetworkPolicy and schema defaults', () => {
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
    const user = find('KafkaUser', 'audit-log');
    expect(user?.spec.authorization.acls).toEqual([
      { resource: { type: 'topic', name: 'cdc.public.transactions', patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { resource: { type: 'group', name: 'audit-log', patternType: 'literal' }, operations: ['Read'] },
    ]);
    expect(find('KafkaAccess', 'audit-log-kafka')?.spec.user.name).toBe('audit-log');
    const deployment = find('Deployment', 'audit-log');
    // replicas, port and runAsUser: the schema's defaults for consumers[], as a file entry gets them.
    expect(deployment?.spec.replicas).toBe(2);
    expect(deployment?.spec.template.spec.securityContext.runAsUser).toBe(10001);
    const policy = find('NetworkPolicy', 'consumers');
    expect(Object.entries(policy?.spec.podSelector.matchLabels ?? {}).every(([k, v]) => deployment?.spec.template.metadata.labels[k] === v)).toBe(true);
  });
});
