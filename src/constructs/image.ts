import { ImageRef } from '../config/types';

/** `registry/repository:tag[@digest]`: always a pinned reference. */
export function imageReference(image: ImageRef): string {
  return `${image.registry}/${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}
