import { loadEnvironment } from '../config/load';
import { outputPaths, renderEnvironment, RenderedEnvironment } from '../output/render';
import { writeAtomically } from '../output/write';
import { runCli, selectConfigFiles } from './args';

/**
 * `npm run synth [-- --env <name> | --config <file>] [--out <dir>]`
 * Loads and validates every selected environment, renders all of them in memory, and only then
 * writes: a bad config or a failing construct leaves the output directory untouched.
 */
runCli(process.argv.slice(2), (options) => {
  const environments = selectConfigFiles(options).map(loadEnvironment);
  const seen = new Set<string>();
  for (const env of environments) {
    if (seen.has(env.name)) throw new Error(`${env.file}: environment ${env.name} is selected twice`);
    seen.add(env.name);
  }
  const rendered = environments.map(renderEnvironment);
  for (const warning of rendered.flatMap((r) => r.warnings)) process.stderr.write(`${warning}\n`);
  // One write for every environment: all of them land, or none.
  const files = new Map(rendered.flatMap((r) => [...r.files]));
  writeAtomically(options.out, files, rendered.flatMap((r) => r.units));
  for (const output of rendered) process.stdout.write(`${summary(output, options.out)}\n`);
});

function summary(output: RenderedEnvironment, out: string): string {
  const paths = outputPaths(output.env.name);
  const targets = [`${out}/${paths.manifests}/ (${output.objectCount} objects)`, `${out}/${paths.helmChart}/`];
  if (output.files.has(paths.argocd)) targets.push(`${out}/${paths.argocd}`);
  const images = output.images.map((i) => `image ${i.ref} (build context ${out}/${i.contextDir})`);
  return `synth: ${output.env.name} → ${targets.join(', ')}; ${images.join(', ')}`;
}
