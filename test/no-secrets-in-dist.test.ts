import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS, RenderedObject, objectsOf, reconcileFile, render, ROOT, snapshotTree } from './helpers';

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts.values()].reduce((sum, n) => sum - (n / value.length) * Math.log2(n / value.length), 0);
}

/** Strings that look like generated credentials: long, mixed, high entropy, not a known kind of identifier. */
function looksLikeSecret(value: string): boolean {
  if (value.length < 20 || /\s/.test(value)) return false;
  if (/^(https:\/\/|arn:aws|sha256:|[a-z0-9.-]+\.[a-z]{2,}(\/|$)|\/)/.test(value)) return false;
  return entropy(value) > 4.2 && /[A-Z]/.test(value) && /[a-z]/.test(value) && /[0-9]/.test(value);
}

/**
 * The tokens of a text file that look like secrets. Public URLs (the plugin download) are left out:
 * fragments of them would look random. A `NAME=value` token (a Dockerfile ARG) is judged by its value.
 */
function highEntropyTokens(content: string): string[] {
  const tokens = content.replace(/https:\/\/\S+/g, '').match(/[A-Za-z0-9+/=_-]{20,}/g) ?? [];
  return tokens.map((token) => /^[A-Z][A-Z0-9_]*=(.+)$/.exec(token)?.[1] ?? token).filter(looksLikeSecret);
}

function strings(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}/${i}`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, `${path}/${k}`));
  return [];
}

describe.each(ENVIRONMENTS)('no secret value in the %s output', (name) => {
  const rendered = render(name);
  const objects = objectsOf(rendered);

  it('renders no Secret objects (values come from External Secrets or npm run secrets)', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('passes secrets to containers only by reference', () => {
    const containers = objects.flatMap((o: RenderedObject) => o.spec?.template?.spec?.containers ?? []);
    expect(containers.length).toBeGreaterThan(0);
    for (const container of containers) {
      for (const env of container.env ?? []) {
        // `*_KEY_TYPE` names how a key is obtained (pgBackRest's repo1-s3-key-type=web-id), not a key.
        if (/PASSWORD|SECRET|TOKEN|KEY/i.test(env.name) && !env.name.endsWith('_FILE') && !env.name.endsWith('_KEY_TYPE')) {
          expect(env.value, `${container.name} env ${env.name}`).toBeUndefined();
          expect(env.valueFrom?.secretKeyRef, `${container.name} env ${env.name}`).toBeDefined();
        }
      }
    }
  });

  it('holds no high-entropy string anywhere, in manifests or the image build context', () => {
    const suspicious = [...rendered.files].flatMap(([path, content]) => highEntropyTokens(content).map((v) => `${path}: ${v}`));
    expect(suspicious).toEqual([]);
    const inObjects = objects.flatMap((o) =>
      strings(o)
        .filter(([, v]) => looksLikeSecret(v))
        .map(([p]) => `${o.kind}/${o.metadata.name}${p}`),
    );
    expect(inObjects).toEqual([]);
  });

  it('sets database passwords only from the mounted files, never literals', () => {
    const sql = reconcileFile(rendered, 'reconcile.sql');
    expect(sql).toMatch(/:'debezium_password'/);
    expect(sql).not.toMatch(/PASSWORD\s+'[^']*'/i);
  });

  it('the detector itself flags a generated password', () => {
    expect(looksLikeSecret('pX3v9Qm2ZrT8kLw4NbY7cHd')).toBe(true);
    expect(looksLikeSecret('postgres-debezium')).toBe(false);
  });
});

/** Keys that name a credential (the last segment of `a.b.c`, `A_B`, `a-b`, `aB`). */
const CREDENTIAL_KEY = /(^|[._-]|[a-z])(password|passwd|pwd|secret|token|api[-_]?key|private[-_]?key|credentials?)$/i;
/** Where a credential-named key holds the name of a key inside a Secret, not a value. */
const REFERENCE_CONTEXT = /\/(passwordSecret|pushSecret|secretKeyRef|remoteRef|secretRef|valueFrom)\//;

/** A value that points at a credential instead of holding it. */
function isReference(value: string): boolean {
  return value === '' || /^\$\{[^}]+\}$/.test(value) || value.startsWith('/') || /^:'\w+'$/.test(value) || /^\$\w+$/.test(value);
}

/** Credential-named keys with literal values, in parsed data. */
function credentialLiterals(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => credentialLiterals(v, `${path}/${i}`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const here = `${path}/${key}`;
    if (typeof v === 'string' && CREDENTIAL_KEY.test(key) && !REFERENCE_CONTEXT.test(`${here}/`) && !isReference(v)) return [`${here}=${v}`];
    // Environment variables: a credential-named variable must come from valueFrom.
    if (key === 'env' && Array.isArray(v)) {
      return v.filter((e) => CREDENTIAL_KEY.test(e.name) && !e.name.endsWith('_FILE') && typeof e.value === 'string' && !isReference(e.value)).map((e) => `${here}[${e.name}]`);
    }
    return credentialLiterals(v, here);
  });
}

/** `key = value` / `key: value` lines of text files (properties, conf, SQL, Dockerfile, shell) with credential-named keys. */
function credentialAssignments(text: string): string[] {
  return [...text.matchAll(/^[ \t]*(?:ENV[ \t]+|export[ \t]+)?([\w.-]+)[ \t]*[=: ][ \t]*(\S+)/gim)]
    .filter(([, key, value]) => CREDENTIAL_KEY.test(key) && !isReference(value.replace(/^["']|["']$/g, '')))
    .map(([line]) => line.trim());
}

describe.each(ENVIRONMENTS)('no credential in any %s output file: manifests, Helm chart, Argo CD file, image build context', (name) => {
  const rendered = render(name);

  it('parses every YAML/JSON output and finds no credential-named key with a literal value', () => {
    const found: string[] = [];
    for (const [path, content] of rendered.files) {
      if (path.includes('/templates/') && content.includes('{{')) continue;
      if (/\.ya?ml$/.test(path)) for (const doc of parseAllDocuments(content)) found.push(...credentialLiterals(doc.toJS()).map((f) => `${path}: ${f}`));
      else if (path.endsWith('.json')) found.push(...credentialLiterals(JSON.parse(content)).map((f) => `${path}: ${f}`));
      else found.push(...credentialAssignments(content).map((f) => `${path}: ${f}`));
    }
    expect(found).toEqual([]);
  });

  it('covers the Helm chart, the Argo CD file and the build context', () => {
    const paths = [...rendered.files.keys()];
    for (const prefix of [`helm/cdc8s-${name}/values.yaml`, `argocd/${name}.yaml`, `images/postgres-debezium/${name}/`]) {
      expect(
        paths.some((p) => p.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
  });

  it('the detectors flag literals and pass references', () => {
    expect(credentialLiterals({ spec: { config: { 'database.password': 'hunter2hunter2' } } })).toHaveLength(1);
    expect(credentialLiterals({ spec: { config: { 'database.password': '${strimzisecrets:cdc-data/postgres-debezium:password}' } } })).toEqual([]);
    expect(credentialLiterals({ env: [{ name: 'PGPASSWORD', value: 'x' }] })).toHaveLength(1);
    expect(credentialLiterals({ passwordSecret: { secretName: 'u', password: 'password' } })).toEqual([]);
    expect(credentialAssignments('ENV POSTGRES_PASSWORD=s3cr3t\nssl.truststore.password = changeit\nsasl.mechanism=SCRAM-SHA-512')).toHaveLength(2);
    expect(credentialAssignments("ALTER ROLE app PASSWORD :'app_password';")).toEqual([]);
  });
});

describe('the committed dist/ on disk', () => {
  it('holds no high-entropy value and no credential literal in any file', () => {
    const files = snapshotTree(join(ROOT, 'dist'));
    expect(Object.keys(files).length).toBeGreaterThan(50);
    const found = Object.entries(files).flatMap(([path, content]) => [
      ...highEntropyTokens(content).map((v) => `${path}: ${v}`),
      ...(/\.(properties|conf|sql|sh)$|Dockerfile$/.test(path) ? credentialAssignments(content).map((f) => `${path}: ${f}`) : []),
    ]);
    expect(found).toEqual([]);
  });
});
