import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

/** Labels and annotations a caller adds to every object a construct renders (a team, a cost centre, a policy's opt-in). */
export interface CallerMetadata {
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Adds the caller's labels and annotations to every Kubernetes object under `scope`. What the
 * construct sets itself wins: a caller cannot change a selector label or a sync wave by accident.
 */
export function applyCallerMetadata(scope: IConstruct, metadata: CallerMetadata | undefined): void {
  if (!metadata) return;
  for (const child of scope.node.findAll()) {
    if (!(child instanceof ApiObject)) continue;
    const own = child.metadata.toJson() as { labels?: Record<string, string>; annotations?: Record<string, string> };
    for (const [key, value] of Object.entries(metadata.labels ?? {})) if (own.labels?.[key] === undefined) child.metadata.addLabel(key, value);
    for (const [key, value] of Object.entries(metadata.annotations ?? {})) if (own.annotations?.[key] === undefined) child.metadata.addAnnotation(key, value);
  }
}
