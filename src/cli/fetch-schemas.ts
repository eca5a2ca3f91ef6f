import { downloadCacheDir } from '../validate';
import { defaultDownloadOptions, ensureCached, PINNED_FILES } from '../validate/upstream';
import { runCli } from './args';

/**
 * `npm run fetch-schemas [-- <dir>]`
 * Downloads every pinned upstream schema and CRD (sha256-checked) into the download cache, or into
 * `<dir>` laid out like ../shared (for `CDC8S_SHARED_DIR`, or to serve as `CDC8S_SCHEMA_MIRROR`).
 * A synth does the same by itself; this fills the cache ahead of going offline.
 * Exit 0: all present; 1: a download failed or did not match its pin.
 */
const [dir = downloadCacheDir(), ...rest] = process.argv.slice(2);
void runCli(rest, async () => {
  const files = Object.values(PINNED_FILES).flat();
  const results = await ensureCached(files, dir, defaultDownloadOptions());
  const failures = results.flatMap((r) => ('failure' in r ? [`fetch-schemas: ${r.file.path}: ${r.failure}`] : []));
  for (const failure of failures) process.stderr.write(`${failure}\n`);
  process.stdout.write(`fetch-schemas: ${files.length - failures.length} of ${files.length} files in ${dir}, sha256 verified\n`);
  return failures.length > 0 ? 1 : 0;
});
