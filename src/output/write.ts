import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
 */
export function writeAtomically(root: string, files: ReadonlyMap<string, string>, units: readonly string[], options: WriteOptions = {}): void {
  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(join(root, '.cdc8s-staging-'));
  try {
    for (const [relativePath, content] of files) {
      if (!units.some((unit) => relativePath === unit || relativePath.startsWith(`${unit}/`))) {
        throw new Error(`internal: ${relativePath} is outside the units being written (${units.join(', ')})`);
      }
      options.beforeEachFile?.(relativePath);
      const path = join(staging, 'new', relativePath);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content, { mode: 0o644 });
    }
    swapUnits(root, staging, units);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
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
