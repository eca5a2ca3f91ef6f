import { loadEnvironment } from '../config/load';
import { renderEnvironment } from '../output/render';
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
  for (const output of rendered) {
    writeAtomically(options.out, output.files, output.units);
    const images = output.images.map((i) => `image ${i.ref} (build context ${options.out}/${i.contextDir})`).join(', ');
    process.stdout.write(`synth: ${output.env.name} → ${options.out}/${output.env.name} (${output.objectCount} objects); ${images}\n`);
  }
});
