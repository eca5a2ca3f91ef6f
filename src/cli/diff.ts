import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { diffTrees, environmentObjects, formatDiff, hasDifferences, replacementsNeeded } from '../diff/object-diff';
import { eventShapeChanges, formatEventShapeChange } from '../diff/event-shape-changes';
import { addedTablesSignal, formatSnapshotSignal } from '../diff/snapshot-signals';
import { renderAll, writeAll } from '../output/synthesize';
import { formatQuorumChange, quorumChanges } from '../diff/kraft-quorum';
import { majorUpgradeRefusal } from '../diff/postgres-major';
import { sharedDir } from '../validate';
import { CliOptions, runCli, selectConfigFiles, UsageError } from './args';

/**
 * `npm run diff [-- --env <name>] [--base <git-ref>]`
 * Renders into a temporary directory and prints, per environment, the objects added, removed and
 * changed (field paths, old → new) against the committed output directory, or against what the
 * revision `--base` renders (its own code and config, synthesized in a Git worktree).
 * Exit code: 0 no differences, 1 differences, 2 the comparison itself failed, 3 a change a live
 * cluster cannot make: the KRaft controller quorum (src/diff/kraft-quorum.ts), or a field it
 * cannot change in place, marked `needs replacement` (src/diff/immutable-fields.ts).
 */
void runCli(
  process.argv.slice(2),
  (options) => {
    const work = mkdtempSync(join(tmpdir(), 'cdc8s-diff-'));
    try {
      if (!options.base && !existsSync(options.out)) throw new UsageError(`no output directory ${options.out} to compare with (run npm run synth, or pass --base <git-ref>)`);
      const rendered = renderAll(selectConfigFiles(options));
      const head = join(work, 'head');
      writeAll(head, rendered);
      const base = options.base ? renderRevision(options.base, options, work) : options.out;
      const envs = options.envs.length > 0 || options.configs.length > 0 ? rendered.map((r) => r.env.name) : undefined;
      const diff = diffTrees(base, head, envs);
      process.stdout.write(`cdc8s diff: ${options.base ? `revision ${options.base}` : base} → working tree\n`);
      process.stdout.write(`${formatDiff(diff).join('\n')}\n`);
      // A live cluster cannot follow some changes at all: refuse them before anyone applies them.
      // The new side is still in memory; the old one is read from its tree, once per environment.
      const changes = rendered.map(({ env, manifests }) => ({ env, before: environmentObjects(base, env.name), after: manifests.flatMap((m) => m.objects) }));
      const refused = changes.flatMap(({ env, before, after }) => quorumChanges(before, after).map((c) => formatQuorumChange(env.name, c)));
      const majors = changes.flatMap(({ env, before, after }) => {
        const refusal = majorUpgradeRefusal(before, after, env.config.postgres.allowMajorUpgrade);
        return refusal ? [`${env.name}: ${refusal}`] : [];
      });
      if (majors.length > 0) {
        process.stderr.write(`cdc8s diff: refused, the database's PostgreSQL major version would change:\n${majors.join('\n')}\n`);
        return 3;
      }
      if (refused.length > 0) {
        process.stderr.write(`cdc8s diff: refused, the KRaft controller quorum would change:\n${refused.join('\n')}\n`);
        return 3;
      }
      // Added tables stream from now on; their existing rows need an incremental snapshot.
      const signals = changes.flatMap(({ env, before, after }) => {
        const signal = addedTablesSignal(before, after);
        return signal ? formatSnapshotSignal(env.name, signal) : [];
      });
      if (signals.length > 0) process.stdout.write(`cdc8s diff: snapshot needed:\n${signals.join('\n')}\n`);
      // Consumers read the new form from the next event on: say so before anyone applies it.
      const shapes = changes.flatMap(({ env, before, after }) => eventShapeChanges(before, after).map((c) => formatEventShapeChange(env.name, c)));
      if (shapes.length > 0) process.stdout.write(`cdc8s diff: the events consumers read change:\n${shapes.join('\n')}\n`);
      const replace = replacementsNeeded(diff);
      if (replace.length > 0) {
        process.stderr.write(`cdc8s diff: ${replace.length} change(s) need replacement, a live cluster refuses them in place (hints above):\n${replace.join('\n')}\n`);
        return 3;
      }
      return hasDifferences(diff) ? 1 : 0;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
  2,
);

/** Synthesizes a revision in a detached worktree with this checkout's node_modules; returns its output. */
function renderRevision(ref: string, options: CliOptions, work: string): string {
  const git = (args: string[], cwd = process.cwd()) => {
    const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr.trim()}`);
    return result.stdout.trim();
  };
  const top = git(['rev-parse', '--show-toplevel']);
  const commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  const tree = join(work, 'base-worktree');
  const out = join(work, 'base');
  git(['worktree', 'add', '--detach', '--quiet', tree, commit], top);
  try {
    if (!existsSync(join(tree, 'node_modules'))) symlinkSync(join(top, 'node_modules'), join(tree, 'node_modules'), 'dir');
    const envArgs = options.envs.flatMap((e) => ['--env', e]);
    // The worktree has no `shared` beside it: its synth validates against this checkout's schemas.
    const env = { ...process.env, CDC8S_SHARED_DIR: resolve(sharedDir()) };
    const synth = spawnSync('npm', ['run', '-s', 'synth', '--', '--out', resolve(out), ...envArgs], { cwd: tree, encoding: 'utf8', env });
    if (synth.status !== 0) throw new Error(`synth of ${ref} (${commit.slice(0, 12)}) failed:\n${`${synth.stdout}${synth.stderr}`.trim()}`);
  } finally {
    git(['worktree', 'remove', '--force', tree], top);
  }
  return out;
}
