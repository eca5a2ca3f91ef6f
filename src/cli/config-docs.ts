import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import schema from '../model/environment.schema.json';
import { packageRoot } from '../model/package-root';
import { runCli } from './args';

/** A JSON schema node, as far as the reference reads it. */
interface Node {
  readonly $ref?: string;
  readonly type?: string | string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly items?: Node;
  readonly properties?: Record<string, Node>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Node;
  readonly 'x-rule'?: string;
  readonly 'x-default-by-platform'?: Record<string, unknown>;
}

const DEFINITIONS = (schema as { definitions: Record<string, Node> }).definitions;
/** Definitions shown once in their own table, and named by the fields that use them. */
const SHARED = new Set(['resources', 'computeResources', 'image', 'probes', 'volume']);

export const CONFIGURATION_DOC = join('docs', 'configuration.md');

/** docs/configuration.md: every field of the environment file, from the schema (so it cannot go stale). */
export function configurationReference(): string {
  const root = schema as unknown as Node & { description: string };
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from src/model/environment.schema.json by `npm run docs`; configuration-docs.test.ts fails when it differs. -->',
    '',
    `${root.description} One file per environment in \`environments/\`; its name becomes \`dist/<name>/\`.`,
    'Unknown keys are refused (with the nearest known one), every default below is filled in, and a',
    'value that breaks a rule fails `npm run synth` with the file, the field and the rule. Rules that',
    'span fields (a request above its limit, `min.insync.replicas` above the replication factor, a',
    "platform's own requirements) are checked after the schema; the messages name them.",
    '',
    'Required at the top level: ' + (root.required ?? []).map((k) => `\`${k}\``).join(', ') + '.',
    '',
  ];
  for (const [section, node] of Object.entries(root.properties ?? {})) {
    lines.push(`## ${section}`, '', ...describe(node), '', '| field | type | default | rule |', '| --- | --- | --- | --- |');
    lines.push(...rows(section, node, (root.required ?? []).includes(section)));
    lines.push('');
  }
  lines.push('## Shared types', '');
  for (const name of SHARED) {
    const node = DEFINITIONS[name];
    lines.push(`### ${name}`, '', ...describe(node), '', '| field | type | default | rule |', '| --- | --- | --- | --- |');
    for (const [key, child] of Object.entries(resolve(node).properties ?? {})) lines.push(...rows(key, child, (resolve(node).required ?? []).includes(key)));
    lines.push('');
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

function describe(node: Node): string[] {
  return node.description ? [escape(node.description)] : [];
}

/** One row per leaf (and per object that has a default of its own), depth first. */
function rows(path: string, node: Node, required: boolean): string[] {
  const ref = node.$ref?.split('/').pop();
  const target = resolve(node);
  const object = target.properties && !(ref && SHARED.has(ref));
  const arrayOfObjects = target.items && resolve(target.items).properties;
  const own = `| \`${path}\`${required ? ' (required)' : ''} | ${typeOf(node)} | ${defaultOf(node)} | ${escape(ruleOf(node, path))} |`;
  if (object) {
    const children = Object.entries(target.properties ?? {}).flatMap(([key, child]) => rows(`${path}.${key}`, child, (target.required ?? []).includes(key)));
    return node.description && path.includes('.') ? [own, ...children] : children;
  }
  if (arrayOfObjects) {
    const item = resolve(target.items as Node);
    return [own, ...Object.entries(item.properties ?? {}).flatMap(([key, child]) => rows(`${path}[].${key}`, child, (item.required ?? []).includes(key)))];
  }
  return [own];
}

function resolve(node: Node): Node {
  const ref = node.$ref?.split('/').pop();
  return ref ? { ...resolve(DEFINITIONS[ref]), ...node, $ref: undefined } : node;
}

function typeOf(node: Node): string {
  const ref = node.$ref?.split('/').pop();
  if (ref && SHARED.has(ref)) return `[${ref}](#${ref.toLowerCase()})`;
  const target = resolve(node);
  if (target.enum) return target.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (target.type === 'array') return `list of ${target.items ? typeOf(target.items) : 'values'}`;
  const type = Array.isArray(target.type) ? target.type.join(' \\| ') : (target.type ?? (target.additionalProperties ? 'map' : 'value'));
  return ref && !['cpu', 'memory'].includes(ref) ? `${type} (${ref})` : type;
}

function defaultOf(node: Node): string {
  const byPlatform = node['x-default-by-platform'];
  if (byPlatform)
    return Object.entries(byPlatform)
      .map(([platform, value]) => `${platform}: \`${JSON.stringify(value)}\``)
      .join(', ');
  if (node.default === undefined) return '';
  const text = JSON.stringify(node.default);
  return text.length > 60 ? `\`${text.slice(0, 57)}…\`` : `\`${text}\``;
}

function ruleOf(node: Node, path: string): string {
  const target = resolve(node);
  const parts = [node.description ?? (target === node ? '' : (target.description ?? ''))];
  const rule = node['x-rule'] ?? target['x-rule'];
  if (rule) parts.push(`Rule: ${rule}.`);
  if (target.minimum !== undefined || target.maximum !== undefined) parts.push(`Range: ${target.minimum ?? '…'} to ${target.maximum ?? '…'}.`);
  if (target.minItems) parts.push(`At least ${target.minItems}.`);
  if (!rule && target.pattern && !path.endsWith('.tag')) parts.push(`Pattern: \`${target.pattern}\`.`);
  return parts.filter(Boolean).join(' ');
}

/** Table cells: no line breaks, no unescaped pipes. */
function escape(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** `npm run docs`: writes docs/configuration.md. */
if (require.main === module || process.argv[1]?.endsWith('config-docs.js')) {
  void runCli(process.argv.slice(2), () => {
    const path = join(packageRoot(), CONFIGURATION_DOC);
    const text = configurationReference();
    const before = (() => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return '';
      }
    })();
    writeFileSync(path, text);
    process.stdout.write(`docs: ${CONFIGURATION_DOC} ${before === text ? 'unchanged' : 'written'}\n`);
  });
}
