import { describe, expect, it } from 'vitest';
import { majorUpgradeRefusal, postgresMajorOf } from '../src/policy/postgres-major';
import { diffVariantCli, objectsOf, render, renderVariant } from './helpers';

const to18 = (config: any) => { config.postgres.baseImage = { ...config.postgres.baseImage, tag: '18.1-bookworm', digest: `sha256:${'1'.repeat(64)}` }; };

describe('a PostgreSQL major upgrade is refused unless postgres.allowMajorUpgrade names the target', () => {
  it('reads the major the database runs from its image', () => {
    expect(postgresMajorOf(objectsOf(render('eks')))).toBe(17);
  });

  it('npm run diff refuses 17 → 18 and names the runbook (exit 3)', () => {
    const result = diffVariantCli('eks', to18);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('eks: postgres.baseImage.tag: PostgreSQL 17 → 18 is a major upgrade: follow the README\'s major-upgrade runbook');
  });

  it('accepts it once postgres.allowMajorUpgrade is the new major, and a minor change always', () => {
    const before = objectsOf(render('eks'));
    expect(majorUpgradeRefusal(before, objectsOf(renderVariant('eks', (c) => { to18(c); c.postgres.allowMajorUpgrade = 18; })), 18)).toBeUndefined();
    expect(majorUpgradeRefusal(before, objectsOf(renderVariant('eks', (c) => { c.postgres.baseImage.tag = '17.7-bookworm'; })), undefined)).toBeUndefined();
    expect(diffVariantCli('eks', (c) => { to18(c); c.postgres.allowMajorUpgrade = 18; }).status).toBe(1);
  });

  it('refuses a downgrade whatever the config says', () => {
    const before = objectsOf(renderVariant('eks', (c) => { to18(c); c.postgres.allowMajorUpgrade = 18; }));
    expect(majorUpgradeRefusal(before, objectsOf(render('eks')), 17)).toContain('is a downgrade');
  });

  it('refuses an allowMajorUpgrade that is not the image\'s major', () => {
    expect(() => renderVariant('eks', (c) => { c.postgres.allowMajorUpgrade = 18; })).toThrow(/allowMajorUpgrade.*must be the major version of postgres\.baseImage\.tag \(17\), got 18/s);
  });
});
