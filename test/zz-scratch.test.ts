import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { stringify } from 'yaml';
import { objectsOf, render } from './helpers';
import { manifestBreakages } from './manifest-breakages';

function scan(objects: any[]): Set<string> {
  const dir = mkdtempSync('/tmp/scan-');
  writeFileSync(join(dir, 'all.yaml'), objects.map((o) => stringify(o)).join('---\n'));
  const r = spawnSync('/tmp/trivybin/trivy', ['config', '--quiet', '--skip-check-update', '--cache-dir', '/tmp/trivy-cache', '--format', 'json', dir], { encoding: 'utf8' });
  const j = JSON.parse(r.stdout);
  return new Set((j.Results ?? []).flatMap((x: any) => (x.Misconfigurations ?? []).map((m: any) => `${m.ID} ${m.Title}`)));
}
it('ids', () => {
  const objects = objectsOf(render('eks'));
  const base = scan(objects);
  console.log('BASE', [...base]);
  for (const [check, broken] of manifestBreakages(objects)) {
    const ids = [...scan(broken)].filter((x) => !base.has(x));
    console.log('CASE', check, JSON.stringify(ids));
  }
}, 300000);
