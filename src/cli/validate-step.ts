import { RenderedEnvironment } from '../output/render';
import { acquireSchemaSources, AcquiredSources, defaultSchemaSources, downloadCacheDir, formatReport, ObjectDocument, validateDocuments } from '../validate';
import { defaultDownloadOptions } from '../validate/upstream';
import { CliOptions } from './args';

/**
 * The schema sources the options select (`--k8s-schemas`, `--crds` as given), the shared
 * directory's for the rest, downloaded into the cache where it has none (not with `--offline`).
 */
export function schemaSources(options: CliOptions): Promise<AcquiredSources> {
  return acquireSchemaSources({ kubernetesDir: options.k8sSchemasDir, strimziCrdsDir: options.crdsDir }, defaultSchemaSources(), {
    ...defaultDownloadOptions(),
    offline: options.offline,
    cacheDir: downloadCacheDir(),
    retryNow: process.env.CI === 'true',
  });
}

/** The object-bearing files of rendered environments, named as they will be written under `out`. */
export function renderedDocuments(rendered: readonly RenderedEnvironment[], out: string): ObjectDocument[] {
  return rendered.flatMap((r) => r.documents.map(({ path, objects }) => ({ where: `${out}/${path}`, objects })));
}

/** Thrown when objects break their schema; the message has one line per problem. */
export class SchemaValidationError extends Error {}

/**
 * Validates the documents and prints the summary (stdout) and warnings (stderr). Missing schema
 * sources fail under CI=true. Throws SchemaValidationError when any object is invalid, and
 * IntegrityError when a downloaded schema is not the pinned one.
 */
export async function validateStep(documents: readonly ObjectDocument[], options: CliOptions): Promise<void> {
  const { sources, notes, downloadFailed } = await schemaSources(options);
  for (const note of notes) process.stderr.write(`${note}\n`);
  const report = await validateDocuments(documents, sources, { requireSources: process.env.CI === 'true' });
  const { problems, summary } = formatReport(report);
  if (problems.length > 0) throw new SchemaValidationError([...problems, summary[0]].join('\n'));
  // After a failed download, the note above already says what is missing from the cache and how
  // to get it; a directory given on the command line keeps its own line.
  const cache = downloadCacheDir();
  const lines = downloadFailed ? summary.filter((line) => !(line.includes('warning:') && line.includes(cache))) : summary;
  for (const line of lines) (line.includes('warning:') ? process.stderr : process.stdout).write(`${line}\n`);
}
