import { join, resolve } from 'node:path';
import { renderEnvironment } from '../src/output/render';
import { imageContextOf } from './harness/postgres-server';
import { prepareDatabaseRoot } from './harness/postgres-root';
import { resolveEnvironment } from '../src/platforms/resolve';

/** Builds the database image's root once, before any suite runs PostgreSQL. */
export default function setup(): void {
  const root = resolve(__dirname, '..');
  const rendered = renderEnvironment(resolveEnvironment(join(root, 'environments', 'minikube.yaml')));
  prepareDatabaseRoot(imageContextOf(rendered.files, 'minikube'));
}
