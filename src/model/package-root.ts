import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root (the directory of cdc8s's package.json), from source (tests) or from compiled lib/. */
export function packageRoot(): string {
  let dir = __dirname;
  // lib/ has a package.json of its own (tsc copies it); the root is where tsconfig.json is too.
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json')))) {
    const parent = dirname(dir);
    if (parent === dir) return resolve('.');
    dir = parent;
  }
  return dir;
}

/**
 * Where cdc8s keeps what it can make or download again (compiled validators, verified upstream
 * schemas): `$CDC8S_CACHE_DIR`, or node_modules/.cache/cdc8s (where installed code lives already;
 * `npm ci` starts it afresh).
 */
export function cacheRoot(): string {
  return process.env.CDC8S_CACHE_DIR || join(packageRoot(), 'node_modules', '.cache', 'cdc8s');
}
