import { shippedFile } from '../k8s/shipped-files';

/**
 * A shipped file (alerts, dashboards) with its `${NAME}` placeholders replaced by the environment's
 * values. A placeholder without a value is an error; with `allUsed`, so is a value no placeholder
 * uses: the file and its parameters cannot drift apart.
 */
export function fillPlaceholders(path: string, values: Readonly<Record<string, string | number>>, options: { allUsed: boolean }): string {
  const used = new Set<string>();
  const text = shippedFile(path).replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`${path}: placeholder \${${name}} has no value`);
    used.add(name);
    return String(values[name]);
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (options.allUsed && unused.length > 0) throw new Error(`${path}: no placeholder uses ${unused.join(', ')}`);
  return text;
}
