import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENVIRONMENTS, envFile, ROOT } from './helpers';
import { strimziRelease } from '../src/output/prerequisites';
import { resolveEnvironment } from '../src/platforms/resolve';

const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
const workflowText = readFileSync(join(ROOT, '.github', 'workflows', 'manifests.yml'), 'utf8');
const workflow = parse(workflowText);
const steps: { run?: string; if?: string }[] = workflow.jobs.manifests.steps;
const commands = steps.map((s) => s.run ?? '').join('\n');

/** `npm run <script>` and `npm test` invocations in a shell text. */
const npmScripts = (text: string) => [...text.matchAll(/npm (?:run(?: -s)? ([\w:-]+)|(test))\b/g)].map((m) => m[1] ?? m[2]);

describe('the pull-request workflow runs what a developer runs locally', () => {
  it('runs on pull requests with read-only permissions, which no job widens', () => {
    expect(Object.keys(workflow.on)).toContain('pull_request');
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const [name, job] of Object.entries<any>(workflow.jobs)) expect(job.permissions, name).toBeUndefined();
  });

  it('pins every action by commit SHA, naming its version in a comment (a tag can be moved to other code)', () => {
    const uses = [...workflowText.matchAll(/^\s*-?\s*uses:\s*(.+)$/gm)].map((m) => m[1].trim());
    expect(uses.length).toBeGreaterThanOrEqual(4);
    for (const use of uses) expect(use).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('installs, tests, diffs against the base branch into the job summary, and fails on a stale dist/', () => {
    const order = ['npm ci', 'npm test', 'npm run validate', 'npm run -s diff -- --base "origin/$BASE_REF"', 'GITHUB_STEP_SUMMARY', 'npm run synth', 'git diff --exit-code'];
    const positions = order.map((c) => commands.indexOf(c));
    for (const [i, p] of positions.entries()) expect(p, order[i]).toBeGreaterThanOrEqual(0);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('only calls npm scripts that exist, in the workflow and in .ci/run', () => {
    const used = [...npmScripts(commands), ...npmScripts(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'))];
    expect(used).toEqual(expect.arrayContaining(['test', 'validate', 'diff', 'synth']));
    for (const script of used) expect(scripts, script).toContain(script);
  });

  it('passes the base branch through the environment, never spliced into the script', () => {
    expect(commands).not.toContain('${{');
  });
});

describe('the Strimzi install (npm run prerequisites, NOTES.txt) is the one the rendered objects assume', () => {
  it.each(ENVIRONMENTS)('%s: the restricted pod security provider, watching the streaming namespace, in the operator namespace', (env) => {
    const { config } = resolveEnvironment(envFile(env));
    const release = strimziRelease(config);
    expect(release.set).toEqual(expect.arrayContaining(['extraEnvs[0].name=STRIMZI_POD_SECURITY_PROVIDER_CLASS', 'extraEnvs[0].value=restricted']));
    expect(release.set).toContain(`watchNamespaces={${config.namespaces.streaming}}`);
    expect(release.namespace).toBe(config.kafka.operatorNamespace);
  });
});
