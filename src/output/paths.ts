/** Where each output of an environment goes, relative to the output root (dist/). */
export const outputPaths = (env: string) => ({
  /** Plain manifests: `kubectl apply -f`, and what Argo CD syncs. */
  manifests: env,
  /** The Helm umbrella chart. */
  helmChart: `helm/cdc8s-${env}`,
  /** The Argo CD AppProject and Application. */
  argocd: `argocd/${env}.yaml`,
});
