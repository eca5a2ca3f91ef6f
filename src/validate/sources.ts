import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { STRIMZI_VERSION } from '../model/strimzi';
import { cacheRoot, packageRoot } from '../model/package-root';
import { DownloadOptions, ensureCached, PINNED_FILES, UpstreamSource } from './upstream';
import { CERT_MANAGER_VERSION, KAFKA_ACCESS_OPERATOR_VERSION, PROMETHEUS_OPERATOR_VERSION } from '../model/versions';

export { STRIMZI_VERSION };

/** The oldest and newest Kubernetes versions cdc8s supports: every built-in object must be valid in both. */
export const KUBERNETES_VERSIONS = ['v1.30.0', 'v1.35.0'] as const;

/** Where the upstream schemas are read from (`--k8s-schemas`, `--crds`). */
export interface SchemaSources {
  /** Directory with `v1.30.0.json` and `v1.35.0.json` (the `_definitions.json` of each version). */
  readonly kubernetesDir: string;
  /** Directory with the Strimzi release's `04*-Crd-*.yaml` files. */
  readonly strimziCrdsDir: string;
  /** Directory with the Kafka Access Operator's CRD (KafkaAccess). */
  readonly kafkaAccessCrdsDir: string;
  /** Directory with cert-manager's Certificate and ClusterIssuer CRDs. */
  readonly certManagerCrdsDir: string;
  /** Directory with the Prometheus Operator's PodMonitor and PrometheusRule CRDs. */
  readonly prometheusOperatorCrdsDir: string;
}

/** Each source's directory in the shared layout (../shared, the download cache), and the field naming it. */
const SOURCE_FIELDS: Readonly<Record<UpstreamSource, keyof SchemaSources>> = {
  kubernetes: 'kubernetesDir',
  strimzi: 'strimziCrdsDir',
  kafkaAccess: 'kafkaAccessCrdsDir',
  certManager: 'certManagerCrdsDir',
  prometheusOperator: 'prometheusOperatorCrdsDir',
};

/** The sources as a directory laid out like ../shared holds them. */
export function schemaSourcesUnder(root: string): SchemaSources {
  return {
    kubernetesDir: join(root, 'schemas', 'kubernetes'),
    strimziCrdsDir: join(root, 'crds', `strimzi-${STRIMZI_VERSION}`),
    kafkaAccessCrdsDir: join(root, 'crds', `kafka-access-operator-${KAFKA_ACCESS_OPERATOR_VERSION}`),
    certManagerCrdsDir: join(root, 'crds', `cert-manager-${CERT_MANAGER_VERSION}`),
    prometheusOperatorCrdsDir: join(root, 'crds', `prometheus-operator-${PROMETHEUS_OPERATOR_VERSION}`),
  };
}

/** Defaults: the `shared` directory beside the repository (as CI lays it out), or `$CDC8S_SHARED_DIR`. */
export function defaultSchemaSources(): SchemaSources {
  return schemaSourcesUnder(sharedDir());
}

/** The directory the default schema sources live in: `$CDC8S_SHARED_DIR`, or `shared` beside the repository. */
export function sharedDir(): string {
  return process.env.CDC8S_SHARED_DIR ?? join(packageRoot(), '..', 'shared');
}

/**
 * The sources as they are on this machine, nothing downloaded: the shared directory's copy of each,
 * else the download cache's (which `npm run fetch-schemas`, or any synth with network, fills).
 */
export function localSchemaSources(): SchemaSources {
  const [shared, cached] = [defaultSchemaSources(), schemaSourcesUnder(downloadCacheDir())];
  const local: Record<keyof SchemaSources, string> = { ...shared };
  for (const [source, field] of Object.entries(SOURCE_FIELDS) as [UpstreamSource, keyof SchemaSources][]) {
    if (MISSING[source](shared[field]) !== undefined) local[field] = cached[field];
  }
  return local;
}

/** Where downloaded upstream files are kept, laid out like ../shared. */
export function downloadCacheDir(): string {
  return join(cacheRoot(), 'upstream');
}

/** How sources missing from the shared directory are obtained. */
export interface AcquireOptions extends DownloadOptions {
  /** Never download (`--offline`). */
  readonly offline: boolean;
  /** Directory the verified downloads are kept in, laid out like ../shared. */
  readonly cacheDir: string;
  /** The clock (tests); default Date.now(). */
  readonly now?: number;
  /** Download even if a download failed within the hour (CI, where a missing source fails the run). */
  readonly retryNow?: boolean;
}

/** The sources to validate against, and what was done to get them (lines for stderr). */
export interface AcquiredSources {
  readonly sources: SchemaSources;
  readonly notes: readonly string[];
  /** A download was needed and failed (now, or within the last hour): the missing sources' own lines would repeat it. */
  readonly downloadFailed: boolean;
}

/**
 * Resolves each source: a directory given on the command line is used as it is; otherwise the
 * shared directory's copy when it has one; otherwise the download cache, filled first from the
 * pinned upstream URLs (each file checked against its committed sha256) unless offline. A source
 * that cannot be downloaded stays missing (validation then warns, or fails under CI); a file that
 * does not match its pin throws IntegrityError.
 */
export async function acquireSchemaSources(given: Partial<SchemaSources>, shared: SchemaSources, options: AcquireOptions): Promise<AcquiredSources> {
  const cached = schemaSourcesUnder(options.cacheDir);
  const sources: Record<keyof SchemaSources, string> = { ...shared };
  const notes: string[] = [];
  const toFetch: UpstreamSource[] = [];
  for (const [source, field] of Object.entries(SOURCE_FIELDS) as [UpstreamSource, keyof SchemaSources][]) {
    const chosen = given[field];
    if (chosen !== undefined) sources[field] = chosen;
    else if (MISSING[source](shared[field]) !== undefined) {
      sources[field] = cached[field];
      if (!options.offline) toFetch.push(source);
    }
  }
  const backoff = toFetch.length > 0 && !options.retryNow ? recentFailure(options.cacheDir, options.now ?? Date.now()) : undefined;
  if (backoff) {
    notes.push(
      `validate: warning: ${toFetch.length} upstream schema source(s) missing; the download failed at ${backoff.at} (${backoff.failure}) and is retried after ${backoff.retryAfter}, or now by npm run fetch-schemas`,
    );
    return { sources, notes, downloadFailed: true };
  }
  if (toFetch.length > 0) {
    const results = await ensureCached(
      toFetch.flatMap((s) => PINNED_FILES[s]),
      options.cacheDir,
      options,
    );
    const bytes = results.reduce((sum, r) => sum + ('bytes' in r ? r.bytes : 0), 0);
    const downloaded = results.filter((r) => 'bytes' in r && r.bytes > 0).length;
    if (downloaded > 0) {
      notes.push(`validate: downloaded ${downloaded} upstream schema file(s) (${(bytes / 1e6).toFixed(1)} MB, sha256 verified) into ${displayPath(options.cacheDir)}`);
    }
    const failures = results.flatMap((r) => ('failure' in r ? [r] : []));
    if (failures.length > 0) {
      notes.push(
        `validate: warning: could not download ${failures.length} upstream schema file(s): ${failures[0].failure}${failures.length > 1 ? ` (and ${failures.length - 1} more)` : ''}; not retried for an hour (npm run fetch-schemas retries now)`,
      );
      recordFailure(options.cacheDir, failures[0].failure, options.now ?? Date.now());
      return { sources, notes, downloadFailed: true };
    }
    rmSync(join(options.cacheDir, FAILURE_FILE), { force: true });
  }
  return { sources, notes, downloadFailed: false };
}

/** Where a failed download is remembered, so that a warm synth offline does not wait on the network again. */
const FAILURE_FILE = 'download-failed.json';
const RETRY_AFTER_MS = 60 * 60_000;

function recordFailure(cacheDir: string, failure: string, now: number): void {
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, FAILURE_FILE), JSON.stringify({ at: now, failure }));
  } catch {
    // A cache that cannot be written only means the next synth tries again.
  }
}

/** The last failed download if it is less than an hour old: when it was, why, and when the next attempt is. */
function recentFailure(cacheDir: string, now: number): { at: string; failure: string; retryAfter: string } | undefined {
  let recorded: { at: number; failure: string };
  try {
    recorded = JSON.parse(readFileSync(join(cacheDir, FAILURE_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (!(now - recorded.at < RETRY_AFTER_MS && now >= recorded.at)) return undefined;
  const clock = (t: number) => new Date(t).toISOString().slice(11, 16) + ' UTC';
  return { at: clock(recorded.at), failure: recorded.failure, retryAfter: clock(recorded.at + RETRY_AFTER_MS) };
}

function displayPath(dir: string): string {
  const fromRoot = relative(packageRoot(), dir);
  return fromRoot.startsWith('..') ? dir : fromRoot;
}

const FETCH_HINT = 'run `npm run fetch-schemas` where there is network (a synth without --offline downloads them itself)';

/** What to do when a source is missing: one sentence a user can act on. */
export function missingKubernetesSchemas(dir: string): string | undefined {
  const absent = KUBERNETES_VERSIONS.filter((v) => !existsSync(join(dir, `${v}.json`)));
  if (absent.length === 0) return undefined;
  return (
    `Kubernetes JSON schemas not found in ${dir} (${absent.map((v) => `${v}.json`).join(', ')}): ${FETCH_HINT}, ` +
    `or download kubernetes-schemas/<version>/_definitions.json for ${KUBERNETES_VERSIONS.join(' and ')} from github.com/cdk8s-team/cdk8s ` +
    'as <version>.json into that directory (or pass --k8s-schemas <dir>)'
  );
}

export function missingKafkaAccessCrd(dir: string): string | undefined {
  if (hasYaml(dir)) return undefined;
  return (
    `Kafka Access Operator ${KAFKA_ACCESS_OPERATOR_VERSION} CRD not found in ${dir}: ${FETCH_HINT}, or download packaging/install/040-Crd-kafkaaccess.yaml ` +
    `from github.com/strimzi/kafka-access-operator at tag ${KAFKA_ACCESS_OPERATOR_VERSION} into that directory`
  );
}

export function missingCertManagerCrds(dir: string): string | undefined {
  if (hasYaml(dir)) return undefined;
  return (
    `cert-manager ${CERT_MANAGER_VERSION} CRDs not found in ${dir}: ${FETCH_HINT}, or download deploy/crds/cert-manager.io_certificates.yaml ` +
    `and cert-manager.io_clusterissuers.yaml from github.com/cert-manager/cert-manager at tag v${CERT_MANAGER_VERSION} into that directory`
  );
}

export function missingPrometheusOperatorCrds(dir: string): string | undefined {
  if (hasYaml(dir)) return undefined;
  return (
    `Prometheus Operator ${PROMETHEUS_OPERATOR_VERSION} CRDs not found in ${dir}: ${FETCH_HINT}, or download example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml ` +
    `and monitoring.coreos.com_prometheusrules.yaml from github.com/prometheus-operator/prometheus-operator at tag v${PROMETHEUS_OPERATOR_VERSION} into that directory`
  );
}

export function missingStrimziCrds(dir: string): string | undefined {
  if (hasYaml(dir)) return undefined;
  return (
    `Strimzi ${STRIMZI_VERSION} CRDs not found in ${dir}: ${FETCH_HINT}, or download install/cluster-operator/04*-Crd-*.yaml ` +
    `from github.com/strimzi/strimzi-kafka-operator/releases/tag/${STRIMZI_VERSION} into that directory (or pass --crds <dir>)`
  );
}

function hasYaml(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.yaml'));
}

const MISSING: Readonly<Record<UpstreamSource, (dir: string) => string | undefined>> = {
  kubernetes: missingKubernetesSchemas,
  strimzi: missingStrimziCrds,
  kafkaAccess: missingKafkaAccessCrd,
  certManager: missingCertManagerCrds,
  prometheusOperator: missingPrometheusOperatorCrds,
};
