import { createHash } from 'node:crypto';
import { Construct } from 'constructs';

/**
 * An image the user builds from a context cdc8s renders (the Debezium-ready Postgres, the
 * prebuilt Kafka Connect image). It renders no Kubernetes object: the writers find every one
 * under the app and write `files` to `contextDir`.
 */
export abstract class ImageBuildContext extends Construct {
  /** Every image build context under a scope, in tree order. */
  static all(scope: Construct): ImageBuildContext[] {
    return scope.node.findAll().filter((c): c is ImageBuildContext => c instanceof ImageBuildContext);
  }

  /** Build context, path → content, in a stable order. */
  abstract readonly files: ReadonlyMap<string, string>;
  /** Where the build context is written, relative to the output root. */
  abstract readonly contextDir: string;
  /** The reference the workloads run, which the user builds and pushes. */
  abstract readonly imageRef: string;
}

/** sha256 over every file's path and content, in path order: what a content-named tag is made from. */
export function contextDigest(files: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  for (const [path, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(path).update('\0').update(content).update('\0');
  }
  return hash.digest('hex');
}
