import { join, resolve } from 'node:path';
import { loadEnvironment } from '../src/config/load';
import { renderEnvironment } from '../src/output/render';
import { imageContextOf } from './harness/postgres-server';
import { prepareDatabaseRoot } from './harness/postgres-root';

/** Builds the database image's root once, before any suite runs PostgreSQL. */
export default function setup(): void {
  const root = resolve(__dirname, '..');
  const rendered = renderEnvironment(loadEnvironment(join(root, 'environments', 'minikube.yaml')));
  prepareDatabaseRoot(imageContextOf(rendered.files, 'minikube'));
}
