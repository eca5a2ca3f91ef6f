import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface WriteOptions {
  /** Test hook: called before each file is staged, to simulate a crash mid-write. */
  readonly beforeEachFile?: (relativePath: string) => void;
}

/**
 * Writes files under `root` so that a failure leaves `root` exactly as it was: everything is
 * staged in a temporary directory inside `root` (same file system, so renames are atomic),
 * then each unit is swapped in whole. A unit is a directory, or a single file when `files` has
 * exactly its path; a unit with no files is removed. A failed swap restores what was there.
 * A unit that already holds exactly these files, byte for byte, is left alone: an unchanged
 * output keeps its files (and their timestamps), and costs reads instead of writes.
 */
export function writeAtomically(root: string, files: ReadonlyMap<string, string>, units: readonly string[], options: WriteOptions = {}): void {
  const byUnit = new Map(units.map((unit) => [unit, new Map<string, string>()]));
  for (const [relativePath, content] of files) {
    const unit = units.find((u) => relativePath === u || relativePath.startsWith(`${u}/`));
    if (unit === undefined) throw new Error(`internal: ${relativePath} is outside the units being written (${units.join(', ')})`);
    byUnit.get(unit)?.set(relativePath, content);
  }
  const changed = units.filter((unit) => !holdsExactly(root, unit, byUnit.get(unit) ?? new Map()));
  if (changed.length === 0) return;

  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(join(root, '.cdc8s-staging-'));
  try {
    const made = new Set<string>();
    for (const unit of changed) {
      for (const [relativePath, content] of byUnit.get(unit) ?? []) {
        options.beforeEachFile?.(relativePath);
        const path = join(staging, 'new', relativePath);
        if (!made.has(dirname(path))) {
          mkdirSync(dirname(path), { recursive: true });
          made.add(dirname(path));
        }
        writeFileSync(path, content, { mode: 0o644 });
      }
    }
    swapUnits(root, staging, changed);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Whether `root/unit` is exactly `files` (paths relative to root): same entries, same bytes, nothing else. */
function holdsExactly(root: string, unit: string, files: ReadonlyMap<string, string>): boolean {
  const target = join(root, unit);
  if (!existsSync(target)) return files.size === 0;
  if (files.size === 1 && files.has(unit)) return statSync(target).isFile() && readFileSync(target, 'utf8') === files.get(unit);
  if (files.size === 0 || !statSync(target).isDirectory()) return false;
  let found = 0;
  const matches = (dir: string): boolean =>
    readdirSync(join(root, dir), { withFileTypes: true }).every((entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return matches(path);
      found++;
      return entry.isFile() && files.get(path) === readFileSync(join(root, path), 'utf8');
    });
  return matches(unit) && found === files.size;
}

function swapUnits(root: string, staging: string, units: readonly string[]): void {
  const done: { target: string; backup?: string }[] = [];
  try {
    for (const unit of units) {
      const target = join(root, unit);
      const staged = join(staging, 'new', unit);
      const backup = existsSync(target) ? join(staging, 'old', unit) : undefined;
      if (backup) {
        mkdirSync(dirname(backup), { recursive: true });
        renameSync(target, backup);
      }
      done.push({ target, backup });
      if (existsSync(staged)) {
        mkdirSync(dirname(target), { recursive: true });
        renameSync(staged, target);
      }
    }
  } catch (error) {
    for (const { target, backup } of done.reverse()) {
      rmSync(target, { recursive: true, force: true });
      if (backup) renameSync(backup, target);
    }
    throw error;
  }
}
