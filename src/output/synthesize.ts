import { resolveEnvironment } from '../platforms/resolve';
import { renderEnvironment, RenderedEnvironment } from './render';
import { writeAtomically } from './write';

/**
 * Loads and validates every config file, then renders all of them in memory: nothing is written
 * unless every environment is valid and passes the policy.
 */
export function renderAll(configFiles: readonly string[]): RenderedEnvironment[] {
  const environments = configFiles.map(resolveEnvironment);
  const seen = new Set<string>();
  for (const env of environments) {
    if (seen.has(env.name)) throw new Error(`${env.file}: environment ${env.name} is selected twice`);
    seen.add(env.name);
  }
  return environments.map(renderEnvironment);
}

/** One write for every environment: all of them land, or none. */
export function writeAll(out: string, rendered: readonly RenderedEnvironment[]): void {
  const files = new Map(rendered.flatMap((r) => [...r.files]));
  writeAtomically(
    out,
    files,
    rendered.flatMap((r) => r.units),
  );
}
