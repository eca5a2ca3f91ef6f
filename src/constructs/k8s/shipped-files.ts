import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A script, SQL or config file that ships inside a rendered object or image as it is, kept beside
 * the construct that owns it (`src/<path>`): a file of its own, so shellcheck and psql read
 * exactly what runs. scripts/build.cjs copies these files to lib/ next to the compiled code.
 */
export function shippedFile(path: string): string {
  return readFileSync(join(SOURCE_ROOT, path), 'utf8');
}

/** src/ (or lib/src/ when compiled): this file sits in src/constructs/k8s/. */
const SOURCE_ROOT = join(__dirname, '..', '..');
