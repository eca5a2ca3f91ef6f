import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * Copies the project into `target` as a fresh clone has it: the files Git tracks, and new ones it
 * does not ignore (so uncommitted work is included), without lib/ or any cache; node_modules is
 * linked, as `npm ci` would have installed it. For runs that must start from nothing (the bench's
 * first-synth row, tests of the launcher and of `diff --base`).
 */
export function copyProject(root: string, target: string): void {
  for (const path of projectFiles(root)) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    cpSync(join(root, path), join(target, path));
  }
  symlinkSync(join(root, 'node_modules'), join(target, 'node_modules'), 'dir');
}

/**
 * The files Git would list; in a source archive without `.git` (a release tarball, a downloaded
 * zip), every file except the top-level names .gitignore lists and Git's own directory.
 */
function projectFiles(root: string): string[] {
  if (existsSync(join(root, '.git'))) {
    const listed = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
    if (listed.status !== 0) throw new Error(`cannot list the project's files (git ls-files in ${root}): ${listed.stderr.trim()}`);
    return listed.stdout.split('\n').filter(Boolean);
  }
  const ignored = readFileSync(join(root, '.gitignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim().replace(/\/$/, ''))
    .filter((l) => l && !l.includes('*'));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (dir === root && (entry.name === '.git' || ignored.includes(entry.name) || entry.name.startsWith('.cdc8s-staging-'))) continue;
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.log')) files.push(relative(root, path));
    }
  };
  walk(root);
  return files.sort();
}
