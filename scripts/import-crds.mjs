#!/usr/bin/env node
// Regenerates imports/ from a local directory of Strimzi CRD files (no network needed).
//   npm run import                 # reads ../shared/crds/strimzi-1.2.0
//   npm run import -- <dir>        # or CDC8S_CRDS_DIR=<dir> npm run import
// `cdk8s import` writes one module per API group, so importing the six files one by one would
// overwrite kafka.strimzi.io.ts each time: we join them into one multi-document file first.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? process.env.CDC8S_CRDS_DIR ?? '../shared/crds/strimzi-1.2.0');
if (!existsSync(dir)) {
  console.error(
    `import: CRD directory ${dir} not found. Download strimzi-crds-1.2.0.yaml from the ` +
      'Strimzi 1.2.0 release (github.com/strimzi/strimzi-kafka-operator/releases) into a directory ' +
      'and pass it: npm run import -- <dir>',
  );
  process.exit(1);
}
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const joined = files.map((f) => readFileSync(join(dir, f), 'utf8').trim()).join('\n---\n') + '\n';
const work = mkdtempSync(join(tmpdir(), 'cdc8s-import-'));
try {
  const crdFile = join(work, 'strimzi-crds-1.2.0.yaml');
  writeFileSync(crdFile, joined);
  execFileSync('npx', ['cdk8s', 'import', crdFile, '--no-save', '--language', 'typescript', '--output', 'imports', '--check-upgrade', 'false'], { stdio: 'inherit' });
  console.log(`import: generated imports/ from ${files.length} CRD files in ${dir}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
