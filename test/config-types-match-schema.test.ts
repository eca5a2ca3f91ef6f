import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import schema from '../src/model/environment.schema.json';
import { ROOT } from './helpers';

/**
 * src/model/config.ts types what the loader returns, and src/model/environment.schema.json decides
 * it: the two must name the same fields, with the same optionality (a field the schema requires or
 * fills with a default is never undefined in the type). Read with TypeScript's own checker.
 */
type Schema = {
  'x-default-by-platform'?: unknown;
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  default?: unknown;
  items?: Schema;
  additionalProperties?: boolean | Schema;
};

const definitions = (schema as unknown as { definitions: Record<string, Schema> }).definitions;
const resolve = (s: Schema): Schema => (s.$ref ? resolve(definitions[s.$ref.replace('#/definitions/', '')]) : s);

/** Every field path of the schema's objects with closed property lists: `kafka.brokers.replicas` → optional?. */
function schemaFields(s: Schema, path: string, out: Map<string, boolean>): void {
  const node = resolve(s);
  const item = node.items ? resolve(node.items) : undefined;
  if (item?.properties) return schemaFields(item, `${path}[]`, out);
  if (!node.properties || node.additionalProperties !== false) return;
  for (const [name, child] of Object.entries(node.properties)) {
    const at = path ? `${path}.${name}` : name;
    const optional = !(node.required ?? []).includes(name) && child.default === undefined && resolve(child).default === undefined && child['x-default-by-platform'] === undefined;
    out.set(at, optional);
    schemaFields(child, at, out);
  }
}

/** The same for the TypeScript type, following only the paths the schema has. */
function typeFields(checker: ts.TypeChecker, type: ts.Type, path: string, wanted: ReadonlySet<string>, out: Map<string, boolean>): void {
  const nonNull = checker.getNonNullableType(type);
  if (checker.isArrayType(nonNull)) {
    const [element] = checker.getTypeArguments(nonNull as ts.TypeReference);
    return typeFields(checker, element, `${path}[]`, wanted, out);
  }
  // Only objects have fields of their own (a string's methods are not config).
  if (!(nonNull.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection))) return;
  for (const property of checker.getPropertiesOfType(nonNull)) {
    const at = path ? `${path}.${property.name}` : property.name;
    const known = [...wanted].some((w) => w === at || w.startsWith(`${at}.`) || w.startsWith(`${at}[]`));
    const parentKnown = path === '' || wanted.has(path) || [...wanted].some((w) => w.startsWith(`${path}.`));
    if (!known && !parentKnown) continue;
    out.set(at, (property.flags & ts.SymbolFlags.Optional) !== 0);
    if (known) typeFields(checker, checker.getTypeOfSymbol(property), at, wanted, out);
  }
}

describe('the config types and the schema agree', () => {
  const fromSchema = new Map<string, boolean>();
  schemaFields(schema as Schema, '', fromSchema);
  const file = join(ROOT, 'src', 'model', 'config.ts');
  const program = ts.createProgram([file], { strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file) as ts.SourceFile;
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source) as ts.Symbol).find((s) => s.name === 'EnvironmentConfig') as ts.Symbol;
  const fromType = new Map<string, boolean>();
  typeFields(checker, checker.getDeclaredTypeOfSymbol(symbol), '', new Set(fromSchema.keys()), fromType);

  it('finds the fields on both sides', () => {
    expect(fromSchema.size).toBeGreaterThan(100);
    expect(fromType.size).toBeGreaterThan(100);
  });

  it('every schema field is in the type, as optional as the schema leaves it', () => {
    const differences = [...fromSchema]
      .filter(([path, optional]) => fromType.get(path) !== optional)
      .map(
        ([path, optional]) => `${path}: schema ${optional ? 'optional' : 'always set'}, type ${fromType.has(path) ? (fromType.get(path) ? 'optional' : 'required') : 'missing'}`,
      );
    expect(differences).toEqual([]);
  });

  it('every type field is in the schema (a field the schema rejects cannot be set)', () => {
    expect([...fromType.keys()].filter((path) => !fromSchema.has(path))).toEqual([]);
  });
});
