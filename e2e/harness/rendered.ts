import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEBEZIUM_PLUGIN_SHA512, debeziumPostgresPluginUrl } from '../../src/model/debezium-plugin';
import { packageRoot } from '../../src/model/package-root';
import { RenderedObject } from '../../src/model/rendered-object';
import { renderEnvironment } from '../../src/output/render';
import { resolveConfig } from '../../src/platforms/resolve';
import { postgresAvailable } from './postgres-server';

/** The environment whose objects the e2e suite runs: two Connect workers, dedicated controllers, as in production. */
export const E2E_ENVIRONMENT = 'eks';

/** What a run renders from the e2e environment's file. */
export interface RenderOptions {
  /** Edits the environment config before rendering (addresses and captured tables only, in the scenarios). */
  readonly change?: (config: any) => void;
  /**
   * Tables captured besides the file's (`schema.table`), so a scenario can own its tables instead of
   * sharing the workload's. The application creates them; the reconcile sidecar publishes them.
   */
  readonly extraTables?: readonly string[];
  /**
   * Edits the rendered objects: only the bench's relaxed variant does, to show what durability
   * costs with settings the policy would refuse.
   */
  readonly mutate?: (objects: RenderedObject[]) => void;
}

/** The rendered objects and image files of the e2e environment, as `npm run synth` makes them. */
export class RenderedPipeline {
  readonly objects: RenderedObject[];
  readonly files: ReadonlyMap<string, string>;

  constructor(options: RenderOptions = {}) {
    const file = join(packageRoot(), 'environments', `${E2E_ENVIRONMENT}.yaml`);
    const config = parse(readFileSync(file, 'utf8'));
    // The database accepts the harness's loopback clients instead of the VPC range.
    config.postgres.clientCidrs = ['127.0.0.1/32'];
    for (const table of options.extraTables ?? []) {
      const [schema, name] = table.split('.');
      config.capture.tables.push({ schema, table: name });
    }
    options.change?.(config);
    const rendered = renderEnvironment(resolveConfig(E2E_ENVIRONMENT, file, config));
    this.objects = rendered.documents.flatMap((d) => d.objects) as unknown as RenderedObject[];
    this.files = rendered.files;
    options.mutate?.(this.objects);
    debeziumOverride(this.objects);
  }

  /** The KafkaTopic of a topic (`spec.topicName` where the name is not a valid resource name). */
  topic(name: string): RenderedObject {
    const found = this.objects.find((o) => o.kind === 'KafkaTopic' && (o.spec.topicName ?? o.metadata.name) === name);
    if (!found) throw new Error(`no KafkaTopic for topic ${name} in the rendered objects`);
    return found;
  }

  /** The rendered object of a kind (and name); throws when there is none. */
  of(kind: string, name?: string): RenderedObject {
    const found = this.objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    if (!found) throw new Error(`no ${kind} ${name ?? ''} in the rendered objects`);
    return found;
  }
}

/** Whether the database image's root is built for the pipeline's environment (see postgresAvailable). */
export function pipelinePostgresAvailable(): boolean {
  return postgresAvailable(new RenderedPipeline().files, E2E_ENVIRONMENT);
}

/**
 * CDC8S_E2E_DEBEZIUM=<version>: run another pinned Debezium than the rendered one (its archive and
 * sha512 from DEBEZIUM_PLUGIN_SHA512), to show what a release the config refuses does; e.g.
 * 3.4.3.Final loses rows in scenario 12. Never set in CI.
 */
function debeziumOverride(objects: RenderedObject[]): void {
  const version = process.env.CDC8S_E2E_DEBEZIUM;
  if (!version) return;
  const sha512 = DEBEZIUM_PLUGIN_SHA512[version];
  if (!sha512) throw new Error(`CDC8S_E2E_DEBEZIUM=${version}: cdc8s pins no sha512 for it (${Object.keys(DEBEZIUM_PLUGIN_SHA512).join(', ')})`);
  const artifact = objects.find((o) => o.kind === 'KafkaConnect')?.spec.build.plugins[0].artifacts[0];
  Object.assign(artifact, { url: debeziumPostgresPluginUrl(version), sha512sum: sha512 });
  console.warn(`e2e: running Debezium ${version} in place of the rendered plugin (CDC8S_E2E_DEBEZIUM)`);
}
