import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/model/package-root';

/**
 * The manifest scanner CI runs on every rendered environment and Helm chart: trivy's Kubernetes
 * checks (trivy-checks, embedded in the binary), built from the Go module proxy as its release
 * build does (GOEXPERIMENT=jsonv2, goreleaser.yml), and run offline.
 */
export const TRIVY_VERSION = '0.74.0';
const TRIVY_MODULE = `github.com/aquasecurity/trivy/cmd/trivy@v${TRIVY_VERSION}`;
const BIN = join(packageRoot(), 'e2e', 'kube', 'bin', `trivy-${TRIVY_VERSION}`);

/** Where the scanner reads the waivers: every finding left unfixed, with the reason. */
export const WAIVERS_FILE = join(packageRoot(), '.trivyignore.yaml');

/** One finding of one check on one file. */
export interface Finding {
  readonly id: string;
  readonly severity: string;
  /** The scanned file, relative to the scanned directory (a chart's template path for a chart). */
  readonly target: string;
  readonly message: string;
}

/**
 * `go install` of the pinned release into e2e/kube/bin: its go.mod and go.sum pin every dependency,
 * and Go's build cache makes a warm build a link of a few seconds (cold: minutes).
 */
export function buildTrivy(): string {
  mkdirSync(BIN, { recursive: true });
  const result = spawnSync('go', ['install', `-ldflags=-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION}`, TRIVY_MODULE], {
    env: { ...process.env, GOBIN: BIN, GOEXPERIMENT: 'jsonv2', GOFLAGS: '-mod=mod' },
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
  if (result.status !== 0) throw new Error(`go install ${TRIVY_MODULE} failed (${result.error?.message ?? result.status}):\n${result.stderr.split('\n').slice(-30).join('\n')}`);
  return join(BIN, 'trivy');
}

export interface ScanOptions {
  /** Apply the waivers file (false: every finding, to see which waivers are still needed). */
  readonly waivers: boolean;
  /** Registries KSV-0125 trusts (its `ksv0125.trusted_registries` data) instead of its built-in cloud list. */
  readonly trustedRegistries: readonly string[];
  /** A scratch directory for the check data and the cache. */
  readonly workDir: string;
}

/**
 * `trivy config` over a directory of manifests or a Helm chart (trivy renders it with its own
 * Helm engine): misconfiguration checks only, the embedded check bundle, nothing downloaded.
 */
export function scan(trivy: string, target: string, options: ScanOptions): Finding[] {
  const data = join(options.workDir, 'check-data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'ksv0125.json'), JSON.stringify({ ksv0125: { trusted_registries: options.trustedRegistries } }));
  const args = ['config', '--quiet', '--skip-check-update', '--cache-dir', join(options.workDir, 'cache'), '--config-data', data, '--format', 'json', '--exit-code', '0'];
  if (options.waivers) args.push('--ignorefile', WAIVERS_FILE);
  const result = spawnSync(trivy, [...args, target], { encoding: 'utf8', timeout: 5 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`trivy config ${target} failed (${result.error?.message ?? result.status}):\n${result.stderr.slice(-3000)}`);
  const report = JSON.parse(result.stdout) as { Results?: { Target: string; Misconfigurations?: { ID: string; Severity: string; Message: string }[] }[] };
  return (report.Results ?? []).flatMap((r) => (r.Misconfigurations ?? []).map((m) => ({ id: m.ID, severity: m.Severity, target: r.Target, message: m.Message })));
}
