import schema from './environment.schema.json';

/** A node of the environment schema, as far as defaults are concerned. */
interface SchemaNode {
  readonly $ref?: string;
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
}

const ROOT = schema as unknown as SchemaNode & { readonly definitions: Readonly<Record<string, SchemaNode>> };

function deref(node: SchemaNode): SchemaNode {
  return node.$ref ? ROOT.definitions[node.$ref.replace('#/definitions/', '')] : node;
}

/**
 * The environment schema's default at a path (`api.replicas`, `consumers[].port`,
 * `api.probes.readinessPath`): the one source of every default, for the loader (through the
 * schema) and for construct props a caller leaves out (their `@default` tags name the path).
 */
export function configDefault<T>(path: string): T {
  let node: SchemaNode = ROOT;
  for (const segment of path.split('.')) {
    const name = segment.replace(/\[\]$/, '');
    const property = deref(node).properties?.[name];
    if (!property) throw new Error(`environment schema: no field ${path}`);
    node = segment.endsWith('[]') ? (deref(property).items as SchemaNode) : property;
  }
  const found = node.default ?? deref(node).default;
  if (found === undefined) throw new Error(`environment schema: ${path} has no default`);
  return found as T;
}

/** Construct props with the fields in `paths` filled in where the caller left them out. */
export type WithDefaults<P, K extends keyof P> = P & { readonly [F in K]-?: Exclude<P[F], undefined> };

/**
 * `props` with each field of `paths` the caller left out taken from the schema's default at its
 * path: a construct's `@default` tags and the loader share one source.
 */
export function withConfigDefaults<P extends object, K extends keyof P>(props: P, paths: { readonly [F in K]: string }): WithDefaults<P, K> {
  const filled = { ...props } as Record<string, unknown>;
  for (const [field, path] of Object.entries(paths) as [string, string][]) filled[field] ??= configDefault(path);
  return filled as WithDefaults<P, K>;
}
