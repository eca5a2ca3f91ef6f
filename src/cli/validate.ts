import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { renderAll } from '../output/synthesize';
import { ObjectDocument } from '../validate';
import { runCli, selectConfigFiles, UsageError } from './args';
import { renderedDocuments, validateStep } from './validate-step';
import { RenderedObject } from '../model/rendered-object';

/**
 * `npm run validate [-- --env <name>] [--k8s-schemas <dir>] [--crds <dir>] [--file <path|->]`
 * Renders the environments in memory (writes nothing) and checks every object against the
 * upstream schemas; with --file, checks manifests from elsewhere instead (e.g. `helm template … |
 * npm run -s validate -- --file -`). Exit 0: all valid; 1: invalid objects or missing schemas under CI.
 */
void runCli(process.argv.slice(2), async (options) => {
  const documents = options.files.length > 0 ? options.files.map(readManifests) : renderedDocuments(renderAll(selectConfigFiles(options)), options.out);
  await validateStep(documents, options);
});

function readManifests(path: string): ObjectDocument {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  const where = path === '-' ? 'stdin' : path;
  const objects = parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${where}: not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
      return doc.toJS({ maxAliasCount: 0 }) as RenderedObject | null;
    })
    .filter((o): o is RenderedObject => o !== null);
  return { where, objects };
}
