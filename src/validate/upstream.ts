import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { STRIMZI_VERSION } from '../model/strimzi';
import { CERT_MANAGER_VERSION, KAFKA_ACCESS_OPERATOR_VERSION, PROMETHEUS_OPERATOR_VERSION } from '../model/versions';

/** One upstream file validation reads: where it sits in a `shared`-style directory, where upstream publishes it, its sha256. */
export interface PinnedFile {
  /** Path relative to the shared directory, e.g. `schemas/kubernetes/v1.30.0.json`. */
  readonly path: string;
  readonly url: string;
  readonly sha256: string;
}

/** The upstream schema sets, each the files of one directory of the shared layout. */
export type UpstreamSource = 'kubernetes' | 'strimzi' | 'kafkaAccess' | 'certManager' | 'prometheusOperator';

// Commits, not tags or branches: what a URL serves must never change under its pin.
/** cdk8s-team/cdk8s: `kubernetes-schemas/<version>/_definitions.json` (v1.30.0 last changed in d853c60, v1.35.0 in e646a08). */
const CDK8S_SCHEMAS_COMMIT = '71f8cba7ecc809d861e837e842217202d5e5a16c';
/** strimzi/strimzi-kafka-operator tag 1.2.0; at a release tag `install/` holds the released CRDs. */
const STRIMZI_COMMIT = '6c7b43c4af0db547c10463ba09d1dfa6f5e156a0';
/** strimzi/kafka-access-operator tag 0.3.0. */
const KAFKA_ACCESS_OPERATOR_COMMIT = '224fb4cf557ae565505c1c9eb4d67949e19649ce';
/** cert-manager/cert-manager tag v1.21.1; `deploy/crds/` holds the controller-gen CRDs the chart templates. */
const CERT_MANAGER_COMMIT = '24e33194fb39488eff2bbf10c6dc640f407cad44';
const certManager = (file: string, sha256: string): PinnedFile => ({
  path: `crds/cert-manager-${CERT_MANAGER_VERSION}/${file}`,
  url: raw('cert-manager/cert-manager', CERT_MANAGER_COMMIT, `deploy/crds/${file}`),
  sha256,
});

/** prometheus-operator/prometheus-operator tag v0.93.0; `example/prometheus-operator-crd/` holds one file per CRD. */
const PROMETHEUS_OPERATOR_COMMIT = 'f8fafd475f3d132e239432ae6172de60a6cb6516';
const prometheusOperator = (file: string, sha256: string): PinnedFile => ({
  path: `crds/prometheus-operator-${PROMETHEUS_OPERATOR_VERSION}/${file}`,
  url: raw('prometheus-operator/prometheus-operator', PROMETHEUS_OPERATOR_COMMIT, `example/prometheus-operator-crd/${file}`),
  sha256,
});

const raw = (repo: string, commit: string, path: string) => `https://raw.githubusercontent.com/${repo}/${commit}/${path}`;

const kubernetes = (version: string, sha256: string): PinnedFile => ({
  path: `schemas/kubernetes/${version}.json`,
  url: raw('cdk8s-team/cdk8s', CDK8S_SCHEMAS_COMMIT, `kubernetes-schemas/${version}/_definitions.json`),
  sha256,
});
// Only the CRDs of the kinds cdc8s renders: `npm run import` generates imports/ from exactly these.
const strimzi = (file: string, sha256: string): PinnedFile => ({
  path: `crds/strimzi-${STRIMZI_VERSION}/${file}`,
  url: raw('strimzi/strimzi-kafka-operator', STRIMZI_COMMIT, `install/cluster-operator/${file}`),
  sha256,
});

/**
 * Every file the strict validation reads, by source, with the sha256 of upstream's bytes (each
 * checked against the files' git blob ids at the pinned commits). A download that does not match
 * is refused.
 */
export const PINNED_FILES: Readonly<Record<UpstreamSource, readonly PinnedFile[]>> = {
  kubernetes: [
    kubernetes('v1.30.0', '428559f7d50d8624ce29ea144ba079309a025168e8bb7714e954dcb80d50cd9a'),
    kubernetes('v1.35.0', '8390593209c0aa7d759c14b4f8609f2f7b1ecb010d1b99cf1ce29643a14870bb'),
  ],
  strimzi: [
    strimzi('040-Crd-kafka.yaml', 'b5b27fc8d52068a77cde7c40d47c068023c7b4e92fc266c45200db2d2506392a'),
    strimzi('041-Crd-kafkaconnect.yaml', '00339af1b873aefbfc4406ef251d03d0928a8d7f6a85c45bd322080e21d6f3be'),
    strimzi('043-Crd-kafkatopic.yaml', '36390f0731c699448076d4ee739e8b7f331d083e91a7fb71500aaa830ab1127e'),
    strimzi('044-Crd-kafkauser.yaml', 'c7e91b9b027a516b43dc7d369e781ee23a6ea177ae15fe0c33af6f722e26e05f'),
    strimzi('045-Crd-kafkanodepool.yaml', '411c1b32ef8c1a6408ac9d4fe791115a6ce2b41107204588f976a3ed19be2430'),
    strimzi('047-Crd-kafkaconnector.yaml', '8050325edfec7ac90718f9e40f3f808b5489d7ae6c11b1634bc82426955b8fff'),
  ],
  kafkaAccess: [
    {
      path: `crds/kafka-access-operator-${KAFKA_ACCESS_OPERATOR_VERSION}/040-Crd-kafkaaccess.yaml`,
      url: raw('strimzi/kafka-access-operator', KAFKA_ACCESS_OPERATOR_COMMIT, 'packaging/install/040-Crd-kafkaaccess.yaml'),
      sha256: '2f6e07fc68bf3927580b13909396f5a642f77a8c56dbc26a53ee150ae7f372da',
    },
  ],
  certManager: [
    certManager('cert-manager.io_certificates.yaml', '7ad91029c00ec959d54215b19d3b1a9b7e0247eaa60f987151c2b70d8661f8af'),
    certManager('cert-manager.io_clusterissuers.yaml', '30008001b78aafb8e110af61359561104b5fafc3a4dc6ac0013245d0ee3fe4ca'),
  ],
  prometheusOperator: [
    prometheusOperator('monitoring.coreos.com_podmonitors.yaml', '45a93443daa687d3654f7e9631909ff7edcdf3ec09c5e60251b74aa2722aee5d'),
    prometheusOperator('monitoring.coreos.com_prometheusrules.yaml', '78be98554b9c8506ab2b4f4feb91c5f3a56e536a0a510f3a8e876a459970d56d'),
  ],
};

/** A downloaded file whose bytes are not the pinned ones: never cached, never used. */
export class IntegrityError extends Error {}

/** Where and how to download. */
export interface DownloadOptions {
  /** Base URL serving the shared layout (`<mirror>/<path>`) instead of upstream's URLs: `$CDC8S_SCHEMA_MIRROR`. */
  readonly mirror?: string;
  /** Bound on each download (connect, headers and body). */
  readonly timeoutMs: number;
}

/** From the environment: `$CDC8S_SCHEMA_MIRROR`, and one minute per file (the largest is 1.4 MB). */
export function defaultDownloadOptions(): DownloadOptions {
  return { mirror: process.env.CDC8S_SCHEMA_MIRROR || undefined, timeoutMs: 60_000 };
}

/** The outcome for one file: cached and verified, or why it could not be downloaded. */
export type Downloaded = { readonly file: PinnedFile; readonly bytes: number } | { readonly file: PinnedFile; readonly failure: string };

/**
 * Makes sure each file is in `dir` (laid out as the shared directory) with its pinned sha256:
 * a cached copy that matches is kept; otherwise it is downloaded, checked, and only then written
 * (atomically). Network failures are reported per file; a mismatch throws IntegrityError naming the file.
 */
export async function ensureCached(files: readonly PinnedFile[], dir: string, options: DownloadOptions): Promise<Downloaded[]> {
  return Promise.all(
    files.map(async (file): Promise<Downloaded> => {
      const target = join(dir, file.path);
      if (existsSync(target) && sha256(readFileSync(target)) === file.sha256) return { file, bytes: 0 };
      const url = options.mirror ? `${options.mirror.replace(/\/+$/, '')}/${file.path}` : file.url;
      let body: Buffer;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'follow' });
        if (!response.ok) return { file, failure: `${url}: HTTP ${response.status}` };
        body = Buffer.from(await response.arrayBuffer());
      } catch (error) {
        return { file, failure: `${url}: ${describeFailure(error)}` };
      }
      const actual = sha256(body);
      if (actual !== file.sha256) {
        throw new IntegrityError(
          `validate: ${file.path} downloaded from ${url} has sha256 ${actual}, not the pinned ${file.sha256} (src/validate/upstream.ts): refused, not cached`,
        );
      }
      mkdirSync(dirname(target), { recursive: true });
      const partial = `${target}.${process.pid}.partial`;
      try {
        writeFileSync(partial, body);
        renameSync(partial, target);
      } catch (error) {
        rmSync(partial, { force: true });
        return { file, failure: `cannot cache ${target}: ${(error as Error).message}` };
      }
      return { file, bytes: body.length };
    }),
  );
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** fetch() reports a network failure as "fetch failed" with the system error in `cause`. */
function describeFailure(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'timed out';
  return err.cause?.code ?? err.cause?.message ?? err.message;
}
