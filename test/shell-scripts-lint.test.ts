import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableOrSkip, ENVIRONMENTS, objectsOf, render, ROOT } from './helpers';

const shellcheck = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
const ready = availableOrSkip(shellcheck.status === 0 ? undefined : 'shellcheck not found: install it (Debian: apt-get install shellcheck)');

/** shellcheck's findings for a script (empty when clean). */
function lint(script: string, name: string): string {
  const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '--format=gcc', '-'], { input: script, encoding: 'utf8' });
  return result.status === 0 ? '' : `${name}:\n${result.stdout}${result.stderr}`;
}

const SOURCE_DIR = join(ROOT, 'src');

/** Every shell script that ships, in a ConfigMap or an image, passes shellcheck at its strictest severity. */
describe.runIf(ready)('every shell script we ship passes shellcheck', () => {
  it.each(readdirSync(SOURCE_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.sh')))('src/%s', (file) => {
    const result = spawnSync('shellcheck', ['--severity=style', '--format=gcc', join(SOURCE_DIR, file)], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(ENVIRONMENTS)('%s: the scripts of its ConfigMaps and image build contexts', (env) => {
    const rendered = render(env);
    const scripts = objectsOf(rendered).flatMap((o) =>
      (o.kind === 'ConfigMap' ? Object.entries(o.data ?? {}) : [])
        .filter(([name]) => name.endsWith('.sh'))
        .map(([name, content]) => [`${o.metadata.name}/${name}`, content as string]),
    );
    const contexts = [...rendered.files].filter(([path]) => path.startsWith('images/') && path.endsWith('.sh'));
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    expect([...scripts, ...contexts].map(([name, content]) => lint(content, name)).join('')).toBe('');
  });
});
