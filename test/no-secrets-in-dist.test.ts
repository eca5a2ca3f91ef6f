import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, K8sObject, objectsOf, render } from './helpers';

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
    const containers = objects.flatMap((o: K8sObject) => o.spec?.template?.spec?.containers ?? []);
    expect(containers.length).toBeGreaterThan(0);
    for (const container of containers) {
      for (const env of container.env ?? []) {
        if (/PASSWORD|SECRET|TOKEN|KEY/i.test(env.name) && !env.name.endsWith('_FILE')) {
          expect(env.value, `${container.name} env ${env.name}`).toBeUndefined();
          expect(env.valueFrom?.secretKeyRef, `${container.name} env ${env.name}`).toBeDefined();
        }
      }
    }
  });

  it('holds no high-entropy string anywhere, in manifests or the image build context', () => {
    // Public URLs (the plugin download) are not credentials; fragments of them would look random.
    const suspicious = [...rendered.files].flatMap(([path, content]) =>
      (content.replace(/https:\/\/\S+/g, '').match(/[A-Za-z0-9+/=_-]{20,}/g) ?? []).filter(looksLikeSecret).map((v) => `${path}: ${v}`));
    expect(suspicious).toEqual([]);
    const inObjects = objects.flatMap((o) => strings(o).filter(([, v]) => looksLikeSecret(v)).map(([p]) => `${o.kind}/${o.metadata.name}${p}`));
    expect(inObjects).toEqual([]);
  });

  it('sets database passwords only from psql variables, never literals', () => {
    const sql = [...rendered.files].filter(([path]) => path.endsWith('init.sql')).map(([, c]) => c).join('\n');
    expect(sql).toMatch(/PASSWORD :'/);
    expect(sql).not.toMatch(/PASSWORD\s+'[^']*'/i);
  });

  it('the detector itself flags a generated password', () => {
    expect(looksLikeSecret('pX3v9Qm2ZrT8kLw4NbY7cHd')).toBe(true);
    expect(looksLikeSecret('postgres-debezium')).toBe(false);
  });
});
