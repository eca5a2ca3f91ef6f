import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Copies the project into `target` as a fresh clone has it: the files Git tracks, and new ones it
 * does not ignore (so uncommitted work is included), without lib/ or any cache; node_modules is
 * linked, as `npm ci` would have installed it. For runs that must start from nothing (the bench's
 * first-synth row, tests of the launcher and of `diff --base`).
 */
export function copyProject(root: string, target: string): void {
  const listed = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`cannot list the project's files (git ls-files in ${root}): ${listed.stderr.trim()}`);
  for (const path of listed.stdout.split('\n').filter(Boolean)) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    cpSync(join(root, path), join(target, path));
  }
  symlinkSync(join(root, 'node_modules'), join(target, 'node_modules'), 'dir');
}
