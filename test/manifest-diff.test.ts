import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyProject } from '../bench/project-copy';
import { diffTrees, formatDiff } from '../src/diff/object-diff';
import { writeAtomically } from '../src/output/write';
import { availableOrSkip, cli, copyOfDist, RawConfig, renderVariant, ROOT, tempDir } from './helpers';

/** The diff lines between the committed dist/ and dist/ with a variant of one environment written over it. */
function diffAfter(env: 'minikube' | 'eks' | 'gke', change: (c: RawConfig) => void): string[] {
  const before = copyOfDist();
  const after = copyOfDist();
  const variant = renderVariant(env, change);
  writeAtomically(after, variant.files, variant.units);
  return formatDiff(diffTrees(before, after));
}

function diffCli(args: string[], cwd = ROOT) {
  const result = spawnSync(process.execPath, [join(ROOT, 'lib', 'src', 'cli', 'diff.js'), ...args], { cwd, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run diff: object-level differences a reviewer can read', () => {
  it('names the environment, the object, the field path and old → new', () => {
    const lines = diffAfter('eks', (c) => {
      c.kafka.brokers.replicas = 5;
    });
    expect(lines).toContain('eks: KafkaNodePool cdc-streaming/broker: spec.replicas 3 → 5');
    expect(lines.at(-1)).toBe('0 added, 0 removed, 1 changed objects; 0 other files differ');
  });

  it('reports files that are not manifests (Helm chart metadata, image contexts) by path', () => {
    const lines = diffAfter('eks', (c) => {
      c.api.image.tag = '1.5.0';
    });
    expect(lines).toContain('eks: file helm/cdc8s-eks/Chart.yaml changed');
    expect(lines.filter((l) => l.includes('/templates/'))).toEqual([]);
  });

  it('lists objects added and removed', () => {
    const lines = diffAfter('gke', (c) => {
      c.consumers = c.consumers.filter((x: RawConfig) => x.name !== 'fraud-scorer');
    });
    expect(lines).toContain('gke: - Deployment cdc-apps/fraud-scorer');
    expect(lines).toContain('gke: - KafkaUser cdc-streaming/fraud-scorer');
    expect(lines.filter((l) => l.startsWith('gke: + '))).toEqual([]);
    const added = diffAfter('minikube', (c) => {
      c.capture.tables.push({ schema: 'public', table: 'refunds' });
    });
    expect(added).toContain('minikube: + KafkaTopic cdc-streaming/cdc.public.refunds');
  });

  it('matches list items by name and shows changed lines of multi-line text', () => {
    const lines = diffAfter('minikube', (c) => {
      c.consumers[0].image.tag = '2.0.2';
      c.consumers[0].config = { 'max.poll.records': 100 };
    });
    expect(lines).toContain(
      'minikube: Deployment cdc-apps/ledger-projector: spec.template.spec.containers[name=consumer].image ghcr.io/cdc8s/ledger-projector:2.0.1 → ghcr.io/cdc8s/ledger-projector:2.0.2',
    );
    const header = lines.indexOf('minikube: ConfigMap cdc-apps/ledger-projector-kafka-client: data["client.properties"]:');
    expect(header).toBeGreaterThanOrEqual(0);
    expect(lines[header + 1]).toBe('    + max.poll.records=100');
  });

  it('finds nothing when the output is what the source renders', () => {
    expect(formatDiff(diffTrees(copyOfDist(), copyOfDist()))).toEqual(['no differences']);
  });

  it('exits 0 when the committed dist/ is current and 1, listing the change, when it is stale', () => {
    const committed = copyOfDist();
    const current = diffCli(['--out', committed]);
    expect(current.stdout.trim().split('\n').at(-1)).toBe('no differences');
    expect(current.status).toBe(0);
    const stale = join(committed, 'eks', '20-kafka.yaml');
    writeFileSync(stale, readFileSync(stale, 'utf8').replace('replicas: 3', 'replicas: 4'));
    const result = diffCli(['--out', committed]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^eks: KafkaNodePool cdc-streaming\/broker: spec\.replicas 4 → 3$/m);
  });

  it('exits 2 with one clear line when it cannot compare', () => {
    const result = diffCli(['--out', join(tempDir(), 'missing')]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(/^no output directory .*missing to compare with/);
    expect(diffCli(['--base', 'no-such-ref']).status).toBe(2);
  });

  // A source archive (no .git) has no revisions to compare: the test says so and skips.
  it.skipIf(!availableOrSkip(existsSync(join(ROOT, '.git')) ? undefined : '--base needs a Git checkout; this copy of the project has no .git'))(
    '--base <git-ref> renders that revision in a worktree and compares it with the working tree',
    () => {
      // A throwaway repository holding this working tree as its only commit, then one config edit.
      const repo = tempDir('cdc8s-diff-repo-');
      copyProject(ROOT, repo);
      const git = (...args: string[]) => spawnSync('git', ['-c', 'user.name=cdc8s', '-c', 'user.email=cdc8s@example.com', ...args], { cwd: repo, encoding: 'utf8' });
      expect(git('init', '-q').status).toBe(0);
      expect(git('add', '-A').status).toBe(0);
      expect(git('commit', '-qm', 'base').status).toBe(0);
      const eks = join(repo, 'environments', 'eks.yaml');
      writeFileSync(eks, readFileSync(eks, 'utf8').replace('  brokers:\n    replicas: 3', '  brokers:\n    replicas: 5'));

      const result = diffCli(['--base', 'HEAD', '--env', 'eks'], repo);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('cdc8s diff: revision HEAD → working tree');
      expect(result.stdout).toMatch(/^eks: KafkaNodePool cdc-streaming\/broker: spec\.replicas 3 → 5$/m);
      expect(result.stdout).not.toMatch(/^(gke|minikube):/m);
      expect(git('worktree', 'list').stdout.trim().split('\n')).toHaveLength(1);
    },
  );
});

describe('synth and diff agree', () => {
  it('a synth into a copy of dist/ leaves nothing for diff to report', () => {
    const out = copyOfDist();
    expect(cli('synth', ['--out', out]).status).toBe(0);
    expect(diffCli(['--out', out]).status).toBe(0);
  });
});
