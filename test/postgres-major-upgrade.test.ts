import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { POSTGRES_MAJOR } from '../src/model/postgres-versions';
import { majorUpgradeRefusal, postgresMajorOf } from '../src/diff/postgres-major';
import { DIST, RenderedObject, objectsOf, rawConfig, render, renderVariant, ROOT, tempDir } from './helpers';

/** The database's objects as a release running another PostgreSQL major rendered them: only its image tag differs. */
function atMajor(objects: readonly RenderedObject[], major: number): RenderedObject[] {
  return structuredClone(objects).map((o) => {
    if (o.kind === 'StatefulSet') for (const c of o.spec.template.spec.containers) c.image = c.image.replace(/:\d+\.(\d+-[0-9a-f]{12})$/, `:${major}.$1`);
    return o;
  });
}

/** `npm run diff --env eks` against a copy of dist/ whose database ran PostgreSQL `major`, with the config changed by `change`. */
function diffFromMajor(major: number, change: (config: any) => void = () => {}): { status: number | null; stderr: string } {
  const base = tempDir();
  cpSync(DIST, base, { recursive: true });
  const manifest = join(base, 'eks', '10-postgres.yaml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/(postgres-debezium:)\d+\./g, `$1${major}.`));
  const config = rawConfig('eks');
  change(config);
  const file = join(tempDir(), 'eks.yaml');
  writeFileSync(file, stringify(config));
  return spawnSync(process.execPath, [join(ROOT, 'lib', 'src', 'cli', 'diff.js'), '--config', file, '--out', base], { cwd: ROOT, encoding: 'utf8' });
}

describe('a PostgreSQL major upgrade is refused unless postgres.allowMajorUpgrade names the target', () => {
  const current = objectsOf(render('eks'));

  it('reads the major the database runs from its image', () => {
    expect(postgresMajorOf(current)).toBe(POSTGRES_MAJOR);
    expect(postgresMajorOf(atMajor(current, 16))).toBe(16);
  });

  it(`npm run diff refuses a release moving from PostgreSQL ${POSTGRES_MAJOR - 1} to ${POSTGRES_MAJOR} and names the runbook (exit 3)`, () => {
    const result = diffFromMajor(POSTGRES_MAJOR - 1);
    expect(result.stderr).toContain(
      `eks: the database image: PostgreSQL ${POSTGRES_MAJOR - 1} → ${POSTGRES_MAJOR} is a major upgrade: follow the major-upgrade runbook in docs/operations.md`,
    );
    expect(result.status).toBe(3);
  });

  it('accepts it once postgres.allowMajorUpgrade is the new major, and a minor change always', () => {
    expect(majorUpgradeRefusal(atMajor(current, 16), current, POSTGRES_MAJOR)).toBeUndefined();
    expect(majorUpgradeRefusal(current, atMajor(current, POSTGRES_MAJOR), undefined)).toBeUndefined();
    expect(
      diffFromMajor(POSTGRES_MAJOR - 1, (c) => {
        c.postgres.allowMajorUpgrade = POSTGRES_MAJOR;
      }).status,
    ).toBe(1);
  });

  it('refuses a downgrade whatever the config says', () => {
    expect(majorUpgradeRefusal(atMajor(current, POSTGRES_MAJOR + 1), current, POSTGRES_MAJOR)).toContain('is a downgrade');
  });

  it('refuses an allowMajorUpgrade that is not the major cdc8s runs', () => {
    expect(() =>
      renderVariant('eks', (c) => {
        c.postgres.allowMajorUpgrade = POSTGRES_MAJOR + 1;
      }),
    ).toThrow(new RegExp(`allowMajorUpgrade must be the PostgreSQL major cdc8s runs \\(${POSTGRES_MAJOR}\\), got ${POSTGRES_MAJOR + 1}`));
  });
});
