#!/usr/bin/env node
'use strict';
// Runs a compiled entry point: `node scripts/run.cjs src/cli/synth --env eks` runs lib/src/cli/synth.js
// with `--env eks`. The npm scripts go through here so that every run uses precompiled JavaScript,
// compiling first only when the TypeScript changed (scripts/build.cjs); a type error stops the
// command before it runs, as `tsc && node …` did, without paying for tsc on every run.
const { join } = require('node:path');
const { ensureBuilt } = require('./build.cjs');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node scripts/run.cjs <entry point under lib/, e.g. src/cli/synth> [arguments]\n');
  process.exit(2);
}
if (!ensureBuilt()) {
  process.stderr.write(`${entry}: not run: the TypeScript does not compile (tsc's errors above)\n`);
  process.exit(1);
}
const main = join(__dirname, '..', 'lib', `${entry}.js`);
// The entry point reads its arguments from process.argv, as when it is started directly.
process.argv = [process.argv[0], main, ...args];
require(main);
