import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyProject } from '../bench/project-copy';
import { ROOT, snapshotTree, tempDir } from './helpers';

const { inputFiles } = createRequire(__filename)(join(ROOT, 'scripts', 'build.cjs')) as { inputFiles: () => string[] };

/** What the npm scripts run: `node scripts/run.cjs <entry> …` in `dir`. */
function run(dir: string, entry: string, args: string[]) {
  const result = spawnSync(process.execPath, [join(dir, 'scripts', 'run.cjs'), entry, ...args], { cwd: dir, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, compiled: result.stderr.includes('compiling TypeScript') };
}

describe('commands run precompiled JavaScript, compiling only when the TypeScript changed', () => {
  it('the build digest covers every project file tsc compiles', () => {
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT, '--listFilesOnly'], { encoding: 'utf8' });
    expect(tsc.status, tsc.stderr).toBe(0);
    const compiled = tsc.stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => relative(ROOT, f))
      .filter((f) => !f.startsWith('node_modules/') && !f.startsWith('..'));
    expect(compiled.length).toBeGreaterThan(80);
    expect(inputFiles()).toEqual(expect.arrayContaining(compiled));
  });

  it('compiles once, skips the compiler while nothing changed (an environment edit included), stops on a type error, and compiles the fix', () => {
    const project = tempDir('cdc8s-project-');
    copyProject(ROOT, project);
    const out = join(project, 'out');
    const synth = () => run(project, 'src/cli/synth', ['--env', 'minikube', '--out', out, '--no-validate']);

    const first = synth();
    expect(first.status, first.stderr).toBe(0);
    expect(first.compiled).toBe(true);

    const second = synth();
    expect(second.status, second.stderr).toBe(0);
    expect(second.compiled).toBe(false);

    const config = join(project, 'environments', 'minikube.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^platform: minikube$/m, 'platform: minikube\n# edited'));
    expect(synth().compiled).toBe(false);

    const before = snapshotTree(out);
    const source = join(project, 'src', 'model', 'paths.ts');
    const original = readFileSync(source, 'utf8');
    appendFileSync(source, 'export const broken: number = "not a number";\n');
    const broken = synth();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain("Type 'string' is not assignable to type 'number'");
    expect(broken.stderr).toContain('src/cli/synth: not run');
    expect(broken.stdout).toBe('');
    expect(snapshotTree(out)).toEqual(before);

    // Back to the source that built before: lib/ now holds the broken build, so it must compile again.
    writeFileSync(source, original);
    const fixed = synth();
    expect(fixed.status, fixed.stderr).toBe(0);
    expect(fixed.compiled).toBe(true);
    expect(readFileSync(join(project, 'lib', 'src', 'model', 'paths.js'), 'utf8')).not.toContain('broken');
  });
});
