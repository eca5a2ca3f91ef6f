import { stringify } from 'yaml';

/** Stable YAML: no line folding, no anchors, keys in the order the objects were built. */
export function toYamlDocuments(objects: readonly unknown[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}
