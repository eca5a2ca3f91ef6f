import { outputPaths } from '../model/paths';
import { RenderedEnvironment } from '../output/render';
import { renderAll, writeAll } from '../output/synthesize';
import { runCli, selectConfigFiles } from './args';
import { renderedDocuments, validateStep } from './validate-step';

/**
 * `npm run synth [-- --env <name> | --config <file>] [--out <dir>] [--no-validate]`
 * Loads and validates every selected environment, renders all of them in memory, checks every
 * object against the upstream schemas, and only then writes: a bad config, a failing construct or
 * an invalid object leaves the output directory untouched.
 */
void runCli(process.argv.slice(2), async (options) => {
  const rendered = renderAll(selectConfigFiles(options));
  for (const warning of rendered.flatMap((r) => r.warnings)) process.stderr.write(`${warning}\n`);
  if (options.validate) await validateStep(renderedDocuments(rendered, options.out), options);
  writeAll(options.out, rendered);
  for (const output of rendered) process.stdout.write(`${summary(output, options.out)}\n`);
});

function summary(output: RenderedEnvironment, out: string): string {
  const paths = outputPaths(output.env.name);
  const targets = [`${out}/${paths.manifests}/ (${output.objectCount} objects)`, `${out}/${paths.helmChart}/`];
  if (output.files.has(paths.argocd)) targets.push(`${out}/${paths.argocd}`);
  targets.push(`${out}/${paths.platform} (for the platform team)`);
  const images = output.images.map((i) => `image ${i.ref} (build context ${out}/${i.contextDir})`);
  return `synth: ${output.env.name} → ${targets.join(', ')}; ${images.join(', ')}`;
}
