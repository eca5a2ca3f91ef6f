/** The recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels). */
export interface WorkloadIdentity {
  /** app.kubernetes.io/name, e.g. `postgres`. */
  readonly name: string;
  /** app.kubernetes.io/component, e.g. `database`. */
  readonly component: string;
  /** app.kubernetes.io/instance: the environment, so two environments never select each other's pods. */
  readonly instance: string;
  /** app.kubernetes.io/version: the image tag the workload runs. */
  readonly version?: string;
}

export const PART_OF = 'cdc8s';

/** Labels every object cdc8s renders carries. */
export function commonLabels(): Record<string, string> {
  return { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': 'cdc8s' };
}

/** Labels every object of a workload carries. */
export function workloadLabels(id: WorkloadIdentity): Record<string, string> {
  return {
    ...selectorLabels(id),
    'app.kubernetes.io/component': id.component,
    ...commonLabels(),
    ...(id.version ? { 'app.kubernetes.io/version': truncateLabel(id.version) } : {}),
  };
}

/** The immutable subset used in selectors: never add a field that changes between releases. */
export function selectorLabels(id: WorkloadIdentity): Record<string, string> {
  return { 'app.kubernetes.io/name': id.name, 'app.kubernetes.io/instance': id.instance };
}

/** Label values are at most 63 characters and must end alphanumerically. */
function truncateLabel(value: string): string {
  return value.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
}
