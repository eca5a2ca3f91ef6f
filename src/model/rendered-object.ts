/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects are open-ended JSON: this is the one place that says so. */

/**
 * A Kubernetes object as the synth renders it, and as it is read back from dist/: the one shape
 * the policy, the validator, the diff, the tests and the e2e harness all read.
 */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: RenderedMetadata;
  // Kubernetes objects are open-ended (spec, data, rules, subjects…); readers narrow what they use.
  spec?: any;
  [field: string]: any;
}

export interface RenderedMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: any;
}

/**
 * `Kind namespace/name` (or `Kind name` when cluster-scoped), the way every message names an
 * object. Tolerates a malformed object: the validator names what it rejects.
 */
export function describe(object: { readonly kind?: string; readonly metadata?: { readonly name?: string; readonly namespace?: string } }): string {
  const { name = '?', namespace } = object.metadata ?? {};
  return `${object.kind ?? '?'} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** The API group of an apiVersion (`kafka.strimzi.io/v1` → `kafka.strimzi.io`, `v1` → ``). */
export function apiGroupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}
