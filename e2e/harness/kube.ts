import { execFileSync, spawnSync } from 'node:child_process';
import { Agent, request as httpsRequest } from 'node:https';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/model/package-root';
import { sharedDir } from '../../src/validate/sources';
import { CertificateAuthority } from './certs';
import { listening, ManagedProcess } from './process';
import { apiGroupOf } from '../../src/model/rendered-object';

const BIN = join(packageRoot(), 'e2e', 'kube', 'bin');

/** The upstream CRDs the operators' installs would bring (../shared/crds, one folder per upstream). */
export const SHARED_CRDS = join(sharedDir(), 'crds');

/** Why the upstream CRDs cannot be installed here, or undefined. */
export function missingCrds(): string | undefined {
  return existsSync(SHARED_CRDS) ? undefined : `the upstream CRDs are not in ${SHARED_CRDS} (CI has ../shared beside the clone)`;
}

/** Why the API server cannot be built here, or undefined: it needs Go 1.26 (e2e/kube/go.mod). */
export function missingGo(): string | undefined {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0
    ? undefined
    : 'Go (1.26) not found: the API server suite builds kube-apiserver and etcd from source (https://go.dev/dl/)';
}

/** The Kubernetes versions the suite builds: the oldest and the newest we support (e2e/kube/<version>). */
export const KUBERNETES_VERSIONS = ['1.30', '1.35'] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

/** Paths of one version's server and client, and of the etcd they share. */
export interface KubeBinaries {
  readonly version: KubernetesVersion;
  readonly apiserver: string;
  readonly kubectl: string;
  readonly etcd: string;
}

/**
 * Builds kube-apiserver and kubectl (e2e/kube/<version>, k8s.io/kubernetes as a library) and etcd
 * (e2e/etcd) into e2e/kube/bin. Go's build cache makes a warm build a link of a few seconds; a
 * cold one compiles Kubernetes (minutes).
 */
export function buildKube(version: KubernetesVersion): KubeBinaries {
  const built = BUILT.get(version) ?? buildVersion(version);
  BUILT.set(version, built);
  return built;
}

/** Binaries built by this process (a suite per environment asks for them again). */
const BUILT = new Map<KubernetesVersion, KubeBinaries>();

/**
 * Builds a package of one of the e2e Go modules (e2e/<moduleDir>: pinned upstream code used as a
 * library) into e2e/kube/bin/<out>; Go's build cache makes a warm build a link.
 */
export function goBuild(moduleDir: string, pkg: string, out: string, ldflags = ''): string {
  const result = spawnSync('go', ['build', `-ldflags=${ldflags}`, '-o', join(BIN, out), pkg], {
    cwd: join(packageRoot(), 'e2e', moduleDir),
    encoding: 'utf8',
    timeout: 45 * 60_000,
  });
  if (result.status !== 0)
    throw new Error(`go build ${pkg} (e2e/${moduleDir}) failed (${result.error?.message ?? result.status}):\n${result.stderr.split('\n').slice(-30).join('\n')}`);
  return join(BIN, out);
}

function buildVersion(version: KubernetesVersion): KubeBinaries {
  const stamp = versionStamp(`kube/${version}`);
  return {
    version,
    apiserver: goBuild(`kube/${version}`, 'k8s.io/kubernetes/cmd/kube-apiserver', `${version}/kube-apiserver`, stamp),
    kubectl: goBuild(`kube/${version}`, 'k8s.io/kubernetes/cmd/kubectl', `${version}/kubectl`, stamp),
    etcd: goBuild('etcd', '.', 'etcd'),
  };
}

/**
 * The version stamp upstream's build puts into the binaries (hack/lib/version.sh): without it the
 * server reports v0.0.0-master and clients that check kubeVersion (Helm) refuse it.
 */
function versionStamp(moduleDir: string): string {
  const goMod = readFileSync(join(packageRoot(), 'e2e', moduleDir, 'go.mod'), 'utf8');
  const [, gitVersion, major, minor] = /^require k8s\.io\/kubernetes (v(\d+)\.(\d+)\.\d+)$/m.exec(goMod) ?? [];
  if (!gitVersion) throw new Error(`e2e/${moduleDir}/go.mod does not require k8s.io/kubernetes vX.Y.Z on one line`);
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => [`-X ${pkg}.gitVersion=${gitVersion}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`, `-X ${pkg}.gitTreeState=clean`])
    .join(' ');
}

/**
 * A free loopback port (bounded attempts), below Linux's ephemeral range (32768 and up), where
 * the outgoing connections of every client on the machine take theirs.
 */
async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = randomInt(20_000, 32_000);
    if (!(await listening('127.0.0.1', port))) return port;
  }
  throw new Error('no free loopback port found');
}

/** etcd and kube-apiserver on loopback, with TLS, a service-account signing key and RBAC; no kubelet. */
export class KubeServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'cdc8s-kube-'));
  readonly kubeconfig = join(this.dir, 'kubeconfig');
  /** The server's address and the CA file its serving certificate chains to (set by start()). */
  url = '';
  caFile = '';
  private readonly processes: ManagedProcess[] = [];
  private admin?: { cert: string; key: string };
  private agent?: Agent;
  private readonly resources = new Map<string, { name: string; namespaced: boolean }>();

  constructor(readonly bin: KubeBinaries) {}

  async start(): Promise<void> {
    const ca = new CertificateAuthority(this.dir, '/CN=cdc8s-e2e-kubernetes-ca');
    const serving = ca.issue('apiserver', '/CN=kube-apiserver', 'IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc');
    const admin = ca.issue('admin', '/O=system:masters/CN=cdc8s-e2e-admin');
    this.admin = admin;
    execFileSync('openssl', ['genrsa', '-out', 'sa.key', '2048'], { cwd: this.dir, stdio: 'pipe' });
    execFileSync('openssl', ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], { cwd: this.dir, stdio: 'pipe' });

    // A random free port can be taken between the check and the bind: then try others (bounded).
    let etcdUrl: string;
    for (let attempt = 1; ; attempt++) {
      const [etcdClient, etcdPeer] = [await freePort(), await freePort()];
      etcdUrl = `http://127.0.0.1:${etcdClient}`;
      const etcd = new ManagedProcess(
        'etcd',
        this.bin.etcd,
        [
          '--data-dir',
          join(this.dir, `etcd-${attempt}`),
          '--listen-client-urls',
          etcdUrl,
          '--advertise-client-urls',
          etcdUrl,
          '--listen-peer-urls',
          `http://127.0.0.1:${etcdPeer}`,
          '--initial-advertise-peer-urls',
          `http://127.0.0.1:${etcdPeer}`,
          '--initial-cluster',
          `default=http://127.0.0.1:${etcdPeer}`,
        ],
        join(this.dir, `etcd-${attempt}.log`),
      ).start();
      this.processes.push(etcd);
      try {
        await etcd.waitFor('serving clients', () => listening('127.0.0.1', etcdClient), 60_000);
        break;
      } catch (error) {
        if (attempt >= 3 || !etcd.log().includes('address already in use')) throw error;
      }
    }

    for (let attempt = 1; ; attempt++) {
      const apiPort = await freePort();
      const apiserver = new ManagedProcess(
        'kube-apiserver',
        this.bin.apiserver,
        [
          `--etcd-servers=${etcdUrl}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--tls-cert-file=${serving.cert}`,
          `--tls-private-key-file=${serving.key}`,
          `--client-ca-file=${ca.certificate}`,
          '--service-account-issuer=https://kubernetes.default.svc',
          `--service-account-key-file=${join(this.dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(this.dir, 'sa.key')}`,
          '--authorization-mode=Node,RBAC',
          '--service-cluster-ip-range=10.96.0.0/16',
          `--cert-dir=${join(this.dir, 'certs')}`,
        ],
        join(this.dir, `apiserver-${attempt}.log`),
      ).start();
      this.processes.push(apiserver);
      [this.url, this.caFile] = [`https://127.0.0.1:${apiPort}`, ca.certificate];
      writeFileSync(
        this.kubeconfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'e2e',
          clusters: [{ name: 'e2e', cluster: { server: this.url, 'certificate-authority': this.caFile } }],
          users: [{ name: 'admin', user: { 'client-certificate': admin.cert, 'client-key': admin.key } }],
          contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'admin' } }],
        }),
        { mode: 0o600 },
      ); // Helm warns about a group-readable kubeconfig
      try {
        await apiserver.waitFor('ready (/readyz)', () => this.kubectl(['get', '--raw', '/readyz']).status === 0, 120_000);
        return;
      } catch (error) {
        if (attempt >= 3 || !apiserver.log().includes('address already in use')) throw error;
      }
    }
  }

  /** Runs kubectl against this server (bounded). */
  kubectl(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(this.bin.kubectl, [...args], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: this.kubeconfig }, timeout: 120_000 });
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  }

  /**
   * Installs the CRDs under dir (one folder per upstream; those `which` selects), as the operators'
   * installs would, and waits until they are served.
   */
  installCrds(dir: string, which: (upstream: string) => boolean = () => true): void {
    for (const upstream of readdirSync(dir).sort().filter(which)) {
      const crds = this.kubectl(['apply', '--server-side', '-f', join(dir, upstream)]);
      if (crds.status !== 0) throw new Error(`CRDs of ${upstream}: ${crds.stderr}`);
    }
    const established = this.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    if (established.status !== 0) throw new Error(established.stderr);
  }

  /** Every kind the server serves (CRDs included), as `group/Kind`, with whether it is namespaced. */
  servedKinds(): Map<string, { namespaced: boolean }> {
    const listed = this.kubectl(['api-resources', '--no-headers']);
    if (listed.status !== 0) throw new Error(listed.stderr);
    // Columns: NAME [SHORTNAMES] APIVERSION NAMESPACED KIND.
    return new Map(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => {
          const cols = line.trim().split(/\s+/);
          return [`${apiGroupOf(cols[cols.length - 3])}/${cols[cols.length - 1]}`, { namespaced: cols[cols.length - 2] === 'true' }];
        }),
    );
  }

  /**
   * A request to the API server as its admin (kubectl would spawn a process per call): the status
   * and the parsed body. Bounded; one kept-alive connection.
   */
  api(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
    this.agent ??= new Agent({
      keepAlive: true,
      maxSockets: 4,
      ca: readFileSync(this.caFile),
      cert: readFileSync(this.admin?.cert as string),
      key: readFileSync(this.admin?.key as string),
    });
    const url = new URL(path, this.url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((done, fail) => {
      const req = httpsRequest(
        url,
        { method, agent: this.agent, timeout: 60_000, headers: payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {} },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => done({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 60 s`)));
      req.on('error', fail);
      req.end(payload);
    });
  }

  /** The REST path of an object (or, without a name, of its collection), from the server's discovery. */
  async pathOf(apiVersion: string, kind: string, namespace: string | undefined, name?: string): Promise<string> {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    if (!this.resources.has(`${apiVersion}/${kind}`)) {
      const listed = await this.api('GET', base);
      for (const r of listed.body?.resources ?? []) if (!r.name.includes('/')) this.resources.set(`${apiVersion}/${r.kind}`, { name: r.name, namespaced: r.namespaced });
    }
    const resource = this.resources.get(`${apiVersion}/${kind}`);
    if (!resource) throw new Error(`${apiVersion} ${kind} is not served`);
    return `${base}${resource.namespaced ? `/namespaces/${namespace}` : ''}/${resource.name}${name ? `/${name}` : ''}`;
  }

  /** Ends etcd and the API server by pid; removes their directory. */
  async stop(): Promise<void> {
    this.agent?.destroy();
    for (const p of [...this.processes].reverse()) await p.stop();
    if (process.env.CDC8S_E2E_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true });
  }
}
