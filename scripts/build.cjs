#!/usr/bin/env node
'use strict';
// Compiles the TypeScript to lib/ and records a digest of everything the compiler read, so that
// the commands run precompiled JavaScript (scripts/run.cjs) and compile again only when an input
// changed: an environment edit costs no compile, a source edit one incremental tsc.
// `npm run build` compiles now; ensureBuilt() compiles only when lib/ is stale.
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const ROOT = join(__dirname, '..');
const STAMP = join(ROOT, 'lib', '.inputs-digest');
/**
 * Read by tsc besides tsconfig.json's include patterns: the project file, package.json (imported
 * for the version) and the lock file (it pins the compiler and the type packages).
 */
const PROJECT_FILES = ['tsconfig.json', 'package.json', 'package-lock.json'];

/** Every file the compile depends on, repository-relative and sorted. */
function inputFiles() {
  const { include } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  const files = [...PROJECT_FILES];
  for (const pattern of include) {
    const match = /^([\w./-]+)\/\*\*\/\*(\.[\w.]+)$/.exec(pattern);
    if (!match) throw new Error(`scripts/build.cjs: tsconfig.json include "${pattern}" is not of the form <dir>/**/*.<ext>`);
    const [, dir, extension] = match;
    files.push(...filesUnder(dir).filter((file) => file.endsWith(extension)));
  }
  files.push(...shippedFiles());
  return [...new Set(files)].sort();
}

/**
 * Scripts, SQL and config templates that ship inside rendered objects, kept beside their construct
 * under src/; the compiled constructs read them from lib/src/ (src/constructs/k8s/shipped-files.ts).
 */
const SHIPPED_EXTENSIONS = ['.sh', '.sql', '.conf', '.yaml', '.json', '/Dockerfile'];

function shippedFiles() {
  return filesUnder('src').filter((file) => SHIPPED_EXTENSIONS.some((extension) => file.endsWith(extension)));
}

function copyShippedFiles() {
  for (const file of shippedFiles()) {
    mkdirSync(dirname(join(ROOT, 'lib', file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(ROOT, 'lib', file));
  }
}

function filesUnder(dir) {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`]));
}

function inputsDigest() {
  const hash = createHash('sha256');
  for (const file of inputFiles())
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(ROOT, file)))
      .update('\0');
  return hash.digest('hex');
}

/**
 * Runs tsc (type-check and emit); true when it succeeded. Its diagnostics go to stderr so that a
 * command's stdout (`npm run -s secrets | kubectl apply -f -`) carries only the command's output.
 * The stamp is removed first: after a failed compile lib/ holds code that must not count as built.
 */
function build() {
  const digest = inputsDigest();
  rmSync(STAMP, { force: true });
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const result = spawnSync(process.execPath, [tsc, '-p', ROOT], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) return false;
  copyShippedFiles();
  writeFileSync(STAMP, `${digest}\n`);
  return true;
}

/** Compiles when lib/ was not built from the current inputs; true when lib/ is current. */
function ensureBuilt() {
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === inputsDigest()) return true;
  process.stderr.write('cdc8s: compiling TypeScript to lib/ (changed since the last build)\n');
  return build();
}

module.exports = { build, ensureBuilt, inputFiles };

if (require.main === module) process.exitCode = build() ? 0 : 1;
