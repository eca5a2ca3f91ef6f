import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../src/output/yaml';
import { ENVIRONMENTS, render } from './helpers';

/** What the yaml library writes: the reference our writer must match byte for byte. */
const library = (value: unknown) => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });

/** Every place a string can sit in a Kubernetes object. */
const placements = (s: string): Record<string, unknown>[] => [
  { value: s },
  { [s]: 'key' },
  { list: [s, 'next'] },
  {
    list: [
      { name: s, port: 80 },
      { first: 1, text: s },
    ],
  },
  { metadata: { annotations: { a: s } }, data: { 'file.txt': s } },
];

/** Strings at the edges of YAML's scalar rules: indicators, types the core schema infers, quotes, line breaks, escapes. */
const AWKWARD = [
  '',
  ' ',
  'a b',
  'a  b',
  'a: b',
  'a:b',
  'a:',
  'a :b',
  'a #b',
  'a#b',
  '#a',
  '- a',
  '-a',
  '-',
  '?',
  '? a',
  '?a',
  ':a',
  'true',
  'True',
  'TRUE',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'null',
  'Null',
  'NULL',
  '~',
  'nan',
  '.nan',
  '.inf',
  '-.inf',
  '0',
  '1',
  '-1',
  '+1',
  '012',
  '0x1F',
  '0o17',
  '1e3',
  '1E-3',
  '.5',
  '1.',
  '1.5',
  '1_000',
  '2024-01-01',
  '10.20.0.0/16',
  '500m',
  '2Gi',
  '1.4.2',
  '@a',
  '`a',
  '%a',
  '!a',
  '&a',
  '*a',
  '|a',
  '>a',
  '[a]',
  '{a}',
  'a]',
  'a,b',
  ',a',
  "'a'",
  '"a"',
  "it's",
  'say "hi"',
  'both \' and "',
  'back\\slash',
  '---',
  '--- a',
  '...',
  '%YAML',
  'a\tb',
  'ctrl\u0001',
  'nul\u0000',
  'del\u007f',
  'é',
  '日本',
  '\u00a0',
  'line\u2028sep',
  'https://example.com/a?b=c#d',
  '${strimzisecrets:ns/secret:key}',
  '{{ .Values.x }}',
  '[{"HTTP":80},{"HTTPS":443}]',
  'arn:aws:iam::123:role/x',
  'a\nb',
  'a\nb\n',
  'a\nb\n\n',
  'a\n\nb',
  'a\n\n\nb\n',
  '\n',
  '\n\n',
  '\na',
  ' a\nb',
  'a\n b',
  'a \nb',
  'a\nb ',
  'a\n\t',
  'a\nb\n ',
  '# comment\nx',
  'key=value\nother=1\n',
  '---\nkind: x\n',
  'a: b\nc: d\n',
  '- item\n- other\n',
  'ctrl\u0001\nx',
];

/** A reproducible stream of random strings over characters YAML treats specially. */
function randomStrings(count: number, seed: number): string[] {
  const alphabet = [
    'a',
    'Z',
    '0',
    '7',
    ' ',
    ' ',
    ':',
    '#',
    '-',
    '?',
    "'",
    '"',
    '\\',
    '\n',
    '\n',
    '\t',
    '.',
    '/',
    '@',
    '=',
    ',',
    '[',
    ']',
    '{',
    '}',
    '*',
    '&',
    '!',
    '|',
    '>',
    '%',
    '`',
    '_',
    'é',
    '\u0001',
  ];
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  return Array.from({ length: count }, () => Array.from({ length: next(9) }, () => alphabet[next(alphabet.length)]).join(''));
}

describe('our YAML writer writes exactly what the yaml library writes', () => {
  it.each(ENVIRONMENTS)('every object %s renders', (env) => {
    const rendered = render(env);
    const objects = [...rendered.documents.flatMap((d) => d.objects)];
    expect(objects.length).toBeGreaterThan(30);
    for (const object of objects) expect(toYaml(object)).toBe(library(object));
  });

  it('strings at the edges of the scalar rules, in every position', () => {
    for (const s of AWKWARD) {
      for (const document of placements(s)) expect(toYaml(document), JSON.stringify(document)).toBe(library(document));
    }
  });

  it('3,000 random strings of special characters, in every position', () => {
    for (const s of randomStrings(3000, 20261123)) {
      for (const document of placements(s)) expect(toYaml(document), JSON.stringify(document)).toBe(library(document));
    }
  });

  it('other values and shapes: numbers, booleans, null, empty and nested collections', () => {
    const documents = [
      { a: 1, b: -2, c: 1.5, d: 0, e: -0, f: 2 ** 60, g: true, h: false, i: null, j: [], k: {}, l: [[1, 2], []], m: [{}, []], n: { o: undefined, p: 1 } },
      { list: [{ a: [{ b: { c: [1] } }] }], empty: { only: undefined } },
      {},
    ];
    for (const document of documents) expect(toYaml(document), JSON.stringify(document)).toBe(library(document));
  });
});
