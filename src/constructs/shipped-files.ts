import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root';

/**
 * A script that ships inside a rendered object or image as it is (src/scripts/<path>): a file of
 * its own, so shellcheck reads exactly what runs.
 */
export function shippedFile(path: string): string {
  return readFileSync(join(packageRoot(), 'src', 'scripts', path), 'utf8');
}
