import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CLUSTER_DEFAULTS } from '../src/constructs/kafka/cluster';
import { CONNECT_DEFAULTS } from '../src/constructs/kafka/connect';
import { CONNECTOR_DEFAULTS } from '../src/constructs/kafka/debezium-connector';
import { WORKLOAD_DEFAULTS } from '../src/constructs/k8s/workload';
import { BACKUP_DEFAULTS } from '../src/constructs/postgres/backup';
import { IMAGE_DEFAULTS } from '../src/constructs/postgres/image';
import { configDefault } from '../src/model/config-defaults';
import { ROOT } from './helpers';

/** Each construct's defaults map, and the Props interface whose `@default` tags document it. */
const DEFAULT_MAPS: readonly [file: string, props: string, map: Readonly<Record<string, string>>][] = [
  ['src/constructs/k8s/workload.ts', 'WorkloadProps', WORKLOAD_DEFAULTS],
  ['src/constructs/kafka/cluster.ts', 'KafkaClusterProps', CLUSTER_DEFAULTS],
  ['src/constructs/kafka/connect.ts', 'KafkaConnectProps', CONNECT_DEFAULTS],
  ['src/constructs/kafka/debezium-connector.ts', 'DebeziumPostgresConnectorProps', CONNECTOR_DEFAULTS],
  ['src/constructs/postgres/backup.ts', 'PostgresBackupProps', BACKUP_DEFAULTS],
  ['src/constructs/postgres/image.ts', 'PostgresDebeziumImageProps', IMAGE_DEFAULTS],
];

interface DefaultTag {
  readonly prop: string;
  readonly optional: boolean;
  /** The documented value, as written (`2`, `'cdc'`). */
  readonly value: string;
  /** The schema path it names, if any. */
  readonly path?: string;
}

/** The `@default` tags of an interface's properties, as TypeScript's JSDoc parser reads them. */
function defaultTags(file: string, name: string): DefaultTag[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (!found) throw new Error(`${file}: no interface ${name}`);
  return found.members.flatMap((member) =>
    ts
      .getJSDocTags(member)
      .filter((tag) => tag.tagName.text === 'default')
      .map((tag) => {
        const text = ts.getTextOfJSDocComment(tag.comment) ?? '';
        const match = /^(\S+) \(config schema: ([\w.[\]]+)\)$/.exec(text);
        return { prop: (member.name as ts.Identifier).text, optional: member.questionToken !== undefined, value: match?.[1] ?? text, path: match?.[2] };
      }),
  );
}

describe('construct props a caller may leave out take the config schema defaults, as their @default tags say', () => {
  it.each(DEFAULT_MAPS)('%s: each default the construct applies is documented on %s, and the schema holds the documented value', (file, props, map) => {
    const tags = defaultTags(file, props);
    const fromSchema = tags.filter((t) => t.path !== undefined);
    expect(fromSchema.map((t) => [t.prop, t.path])).toEqual(Object.entries(map));
    for (const tag of fromSchema) {
      expect(tag.optional, `${props}.${tag.prop} has a default, so it is optional`).toBe(true);
      expect(configDefault(tag.path as string), `${props}.${tag.prop}: @default ${tag.value}`).toEqual(JSON.parse(tag.value.replaceAll("'", '"')));
    }
  });

  it('a path the schema does not have, or that has no default, is refused by name', () => {
    expect(() => configDefault('kafka.nope')).toThrow('environment schema: no field kafka.nope');
    expect(() => configDefault('kafka.brokers')).toThrow('environment schema: kafka.brokers has no default');
  });

  it('reads through arrays and shared definitions', () => {
    expect(configDefault('consumers[].replicas')).toBe(2);
    expect(configDefault('api.probes.readinessPath')).toBe('/readyz');
  });
});
