import { k8s } from 'cdk8s-plus-27';
import { Resources } from '../../model/config';

/**
 * Config requests/limits as quantity objects of any generated API (`k8s.Quantity`, or the
 * per-field classes `cdk8s import` generates for Strimzi resources).
 */
export function resourceQuantities<L, R>(
  resources: Resources,
  limit: { fromString(value: string): L },
  request: { fromString(value: string): R },
): { limits: Record<string, L>; requests: Record<string, R> } {
  return {
    requests: { cpu: request.fromString(resources.requests.cpu), memory: request.fromString(resources.requests.memory) },
    limits: { cpu: limit.fromString(resources.limits.cpu), memory: limit.fromString(resources.limits.memory) },
  };
}

/** Config requests/limits as a container's `resources`. */
export function resourceRequirements(resources: Resources): k8s.ResourceRequirements {
  return resourceQuantities(resources, k8s.Quantity, k8s.Quantity);
}

/** A memory quantity of the config (`512Mi`, `1.5Gi`) in MiB, rounded down. */
export function mebibytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity in Mi or Gi: ${quantity}`);
  return Math.floor(Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1));
}
