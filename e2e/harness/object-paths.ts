/** Reading rendered and stored objects by the paths `npm run diff` writes (src/output/object-diff.ts). */

/** Whether `stored` holds everything of `applied` (the server may add defaulted fields). */
export function contains(stored: unknown, applied: unknown): boolean {
  if (Array.isArray(applied)) return Array.isArray(stored) && stored.length === applied.length && applied.every((item, i) => contains(stored[i], item));
  if (applied !== null && typeof applied === 'object') {
    return stored !== null && typeof stored === 'object' && Object.entries(applied).every(([k, v]) => contains((stored as any)[k], v));
  }
  return JSON.stringify(stored) === JSON.stringify(applied);
}

/** The value at a path as object-diff writes it (`spec.ports[name=x].port`, `a["b.c"]`, `list[0]`). */
export function valueAt(object: any, path: string): unknown {
  let value = object;
  for (const [, key, quoted, named, index] of path.matchAll(/\.?([A-Za-z_][\w-]*)|\[("(?:[^"\\]|\\.)*")\]|\[name=([^\]]+)\]|\[(\d+)\]/g)) {
    if (value === undefined || value === null) return undefined;
    if (key !== undefined) value = value[key];
    else if (quoted !== undefined) value = value[JSON.parse(quoted)];
    else if (named !== undefined) value = (value as any[]).find((item) => item?.name === named);
    else value = value[Number(index)];
  }
  return value;
}
