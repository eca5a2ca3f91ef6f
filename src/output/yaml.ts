import { stringify } from 'yaml';

/** The yaml library's settings for our files: no line folding, no anchors (a repeated object is written out again). */
const LIBRARY_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** Stable YAML: no line folding, no anchors, keys in the order the objects were built. */
export function toYamlDocuments(objects: readonly unknown[]): string {
  return objects.map((o) => `---\n${toYaml(o)}`).join('');
}

/**
 * One YAML document, byte for byte what the yaml library writes with LIBRARY_OPTIONS. The library
 * builds a node tree for every document, which made YAML the largest cost of a synth (0.2 ms per
 * object, half the time at 500 consumers). This writes the shapes Kubernetes objects have —
 * block maps and sequences, integers, booleans, plain strings, literal blocks — directly, and
 * hands every other string to the library (once per distinct string), or the whole document when
 * the shape is unusual. test/yaml-output.test.ts holds both to the same bytes.
 */
export function toYaml(document: unknown): string {
  if (!isMap(document) || definedKeys(document).length === 0) return stringify(document, LIBRARY_OPTIONS);
  try {
    const lines: string[] = [];
    writeMap(document, '', lines);
    return lines.join('');
  } catch (error) {
    if (error instanceof LeftToLibrary) return stringify(document, LIBRARY_OPTIONS);
    throw error;
  }
}

/** A value this writer does not write itself: the whole document goes to the library. */
class LeftToLibrary extends Error {}

const INDENT = '  ';

function writeMap(map: Readonly<Record<string, unknown>>, indent: string, out: string[]): void {
  for (const key of definedKeys(map)) {
    const value = map[key];
    const prefix = `${indent}${singleLineScalar(key)}:`;
    if (isBlockCollection(value)) {
      out.push(`${prefix}\n`);
      if (Array.isArray(value)) writeSequence(value, indent + INDENT, out);
      else writeMap(value as Record<string, unknown>, indent + INDENT, out);
    } else {
      out.push(`${prefix} ${leaf(value, indent + INDENT)}\n`);
    }
  }
}

function writeSequence(items: readonly unknown[], indent: string, out: string[]): void {
  for (const item of items) {
    if (Array.isArray(item) && item.length > 0) throw new LeftToLibrary();
    if (isBlockCollection(item)) {
      // A map item: its first entry shares the dash's line, the others line up under it.
      const entries: string[] = [];
      writeMap(item as Record<string, unknown>, indent + INDENT, entries);
      out.push(`${indent}- ${entries[0].slice(indent.length + INDENT.length)}`, ...entries.slice(1));
    } else {
      out.push(`${indent}- ${leaf(item, indent + INDENT)}\n`);
    }
  }
}

/** A scalar or an empty collection, written after `key: ` or `- `; `blockIndent` indents a literal block's lines. */
function leaf(value: unknown, blockIndent: string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  if (typeof value === 'string') return value.includes('\n') ? literalBlock(value, blockIndent) : singleLineScalar(value);
  if (Array.isArray(value)) return '[]';
  if (isMap(value)) return '{}';
  throw new LeftToLibrary();
}

/**
 * A string that is plain in YAML's block context (it cannot start with an indicator, and has no
 * `: ` or ` #` and no trailing `:` or space) and that the core schema reads back as a string.
 * Deliberately narrow: whatever it does not match goes to the library.
 */
const PLAIN_STRING = /^[A-Za-z_/][\w./@=+,~()-]*(?:[ :][\w./@=+,~()-]+)*$/;
/** Words YAML 1.2's core schema reads as null or a boolean. */
const CORE_SCHEMA_WORDS = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;
/** Strings that would change meaning at the start of a document line (directive, document markers). */
const DOCUMENT_MARKER = /^(?:%|---|\.\.\.)/;

const writtenScalars = new Map<string, string>();

/** A key or a one-line string value (written the same in both places). */
function singleLineScalar(text: string): string {
  let written = writtenScalars.get(text);
  if (written === undefined) {
    if (text.includes('\n') || DOCUMENT_MARKER.test(text)) throw new LeftToLibrary();
    written = PLAIN_STRING.test(text) && !CORE_SCHEMA_WORDS.test(text) ? text : stringify(text, LIBRARY_OPTIONS).slice(0, -1);
    writtenScalars.set(text, written);
  }
  return written;
}

/**
 * A multi-line string as a literal block (`|`), its chomping indicator saying how many line breaks
 * end it: `-` none, nothing one, `+` more. Strings that would need an indentation indicator or
 * escapes (leading space or line break, spaces before a line break, control characters) are left
 * to the library.
 */
function literalBlock(text: string, indent: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what the fast path must refuse
  if (/^[ \n]|[ \t]\n|[ \t]$|[\x00-\x09\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u.test(text)) throw new LeftToLibrary();
  const body = text.replace(/\n+$/, '');
  const breaks = text.length - body.length;
  const chomping = breaks === 0 ? '-' : breaks === 1 ? '' : '+';
  const lines = body.split('\n').map((line) => (line === '' ? '' : `${indent}${line}`));
  return `|${chomping}\n${lines.join('\n')}${'\n'.repeat(Math.max(0, breaks - 1))}`;
}

function isMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A non-empty sequence or map: written as an indented block under its key or dash. */
function isBlockCollection(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : isMap(value) && definedKeys(value).length > 0;
}

/** Keys with a value: the library leaves out undefined ones too. */
function definedKeys(map: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(map).filter((key) => map[key] !== undefined);
}
