import { k8s } from 'cdk8s-plus-27';
import { Resources } from '../config/types';

/** Config requests/limits as a container's `resources`. */
export function resourceRequirements(resources: Resources): k8s.ResourceRequirements {
  const q = k8s.Quantity.fromString;
  return {
    requests: { cpu: q(resources.requests.cpu), memory: q(resources.requests.memory) },
    limits: { cpu: q(resources.limits.cpu), memory: q(resources.limits.memory) },
  };
}
