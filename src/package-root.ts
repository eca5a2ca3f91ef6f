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
