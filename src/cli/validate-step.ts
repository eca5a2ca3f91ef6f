import { RenderedEnvironment } from '../output/render';
import { defaultSchemaSources, formatReport, ObjectDocument, SchemaSources, validateDocuments } from '../validate';
import { CliOptions } from './args';

/** The schema sources the options select (`--k8s-schemas`, `--crds`), defaults for the rest. */
export function schemaSources(options: CliOptions): SchemaSources {
  const defaults = defaultSchemaSources();
  return { kubernetesDir: options.k8sSchemasDir ?? defaults.kubernetesDir, strimziCrdsDir: options.crdsDir ?? defaults.strimziCrdsDir, kafkaAccessCrdsDir: defaults.kafkaAccessCrdsDir };
}

/** The object-bearing files of rendered environments, named as they will be written under `out`. */
export function renderedDocuments(rendered: readonly RenderedEnvironment[], out: string): ObjectDocument[] {
  return rendered.flatMap((r) => r.documents.map(({ path, objects }) => ({ where: `${out}/${path}`, objects })));
}

/** Thrown when objects break their schema; the message has one line per problem. */
export class SchemaValidationError extends Error {}

/**
 * Validates the documents and prints the summary (stdout) and warnings (stderr). Missing schema
 * sources fail under CI=true. Throws SchemaValidationError when any object is invalid.
 */
export async function validateStep(documents: readonly ObjectDocument[], options: CliOptions): Promise<void> {
  const report = await validateDocuments(documents, schemaSources(options), { requireSources: process.env.CI === 'true' });
  const { problems, summary } = formatReport(report);
  if (problems.length > 0) throw new SchemaValidationError([...problems, summary[0]].join('\n'));
  for (const line of summary) (line.includes('warning:') ? process.stderr : process.stdout).write(`${line}\n`);
}
