import { RenderedObject } from './helpers';

/** A pod template of ours, with the workload that owns it. */
export interface PodTemplate {
  /** `Deployment cdc-apps/transactions-api` */
  readonly owner: string;
  readonly object: RenderedObject;
  readonly namespace: string;
  readonly replicas: number;
  readonly spec: any;
  readonly labels: Record<string, string>;
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/** Every pod template cdc8s renders itself (Strimzi's pods come from its operator). */
export function podTemplates(objects: readonly RenderedObject[]): PodTemplate[] {
  return objects
    .filter((o) => WORKLOAD_KINDS.includes(o.kind))
    .map((o) => ({
      owner: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
      object: o,
      namespace: o.metadata.namespace as string,
      replicas: o.spec.replicas ?? 1,
      spec: o.spec.template.spec,
      labels: o.spec.template.metadata?.labels ?? {},
    }));
}

/** Every container of a pod template, init containers included. */
export function containersOf(pod: PodTemplate): any[] {
  return [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
}
