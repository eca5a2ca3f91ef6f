/** `images/<last repository segment>/<environment>`: the build context of one image for one environment. */
export function imageContextDir(repository: string, environment: string): string {
  return `images/${repository.split('/').pop()}/${environment}`;
}

/** Where each output of an environment goes, relative to the output root (dist/). */
export const outputPaths = (env: string) => ({
  /** Plain manifests: `kubectl apply -f`, and what Argo CD syncs. */
  manifests: env,
  /** The Helm umbrella chart. */
  helmChart: `helm/cdc8s-${env}`,
  /** The Argo CD AppProject and Application. */
  argocd: `argocd/${env}.yaml`,
  /** What the platform team applies once with its own credentials (never synced from Git). */
  platform: `platform/${env}.yaml`,
});

/**
 * Top-level output directories that hold every environment's outputs of one kind (Helm charts,
 * Argo CD files, image build contexts). An environment may not be named like one: its manifest
 * directory would replace them whole.
 */
export const SHARED_OUTPUT_DIRS: readonly string[] = [outputPaths('x').helmChart, outputPaths('x').argocd, outputPaths('x').platform, imageContextDir('x', 'x')].map(
  (path) => path.split('/')[0],
);
