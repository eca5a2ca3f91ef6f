import { ImageRef } from '../../model/config';

/** The host of a `host[/path]` registry. */
export function registryHost(registry: string): string {
  return registry.split('/')[0];
}

/** `registry/repository:tag[@digest]`: always a pinned reference. */
export function imageReference(image: ImageRef): string {
  return `${image.registry}/${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}
