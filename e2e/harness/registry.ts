import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/model/package-root';
import { CertificateAuthority } from './certs';
import { goBuild } from './kube';
import { listening, ManagedProcess } from './process';

/**
 * A real registry and real registry clients on loopback: Debian's docker-registry (the
 * distribution registry) with htpasswd logins and TLS, and skopeo, which reads REGISTRY_AUTH_FILE
 * with containers/image exactly as Buildah (Strimzi's Connect build) does. The registry answers
 * under the rendered host name: skopeo runs in a mount namespace whose /etc/hosts maps that name
 * to the registry's loopback address, and port 443 stays as the rendered auth file expects it.
 */

/** Why the registry suite cannot run here, or undefined. */
export function missingRegistryTools(): string | undefined {
  const missing = ['skopeo', 'docker-registry', 'htpasswd'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length > 0) return `${missing.join(', ')} not found: install them (Debian: apt-get install skopeo docker-registry apache2-utils)`;
  if (process.getuid?.() !== 0) return 'the registry suite serves on port 443 and runs skopeo in a mount namespace: run it as root';
  return undefined;
}

/** A distribution registry serving `host` on 127.x.y.z:443 with one htpasswd login. */
export class Registry {
  readonly address = `127.${randomInt(1, 250)}.${randomInt(1, 250)}.${randomInt(2, 250)}`;
  readonly certDir: string;
  private process?: ManagedProcess;

  constructor(
    private readonly dir: string,
    readonly host: string,
    login: { username: string; password: string },
  ) {
    const ca = new CertificateAuthority(mkdirIn(dir, 'ca'), '/CN=cdc8s test registry CA');
    const { key, cert } = ca.issue('registry', `/CN=${host}`, `DNS:${host}`);
    // containers/image trusts the CAs of a directory given as --cert-dir (files named *.crt).
    this.certDir = mkdirIn(dir, 'certs.d');
    writeFileSync(join(this.certDir, 'ca.crt'), readFileSync(ca.certificate));
    const htpasswd = spawnSync('htpasswd', ['-Bbn', login.username, login.password], { encoding: 'utf8' });
    if (htpasswd.status !== 0) throw new Error(`htpasswd failed: ${htpasswd.stderr}`);
    writeFileSync(join(dir, 'htpasswd'), htpasswd.stdout);
    writeFileSync(
      join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log: { level: info }',
        `storage: { filesystem: { rootdirectory: ${mkdirIn(dir, 'storage')} } }`,
        `http: { addr: "${this.address}:443", tls: { certificate: ${cert}, key: ${key} } }`,
        `auth: { htpasswd: { realm: cdc8s-test, path: ${join(dir, 'htpasswd')} } }`,
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    this.process = new ManagedProcess('docker-registry', 'docker-registry', ['serve', join(this.dir, 'config.yml')], join(this.dir, 'registry.log')).start();
    await this.process.waitFor('listening', () => listening(this.address, 443), 30_000);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }

  /** The registry's log, for failures. */
  tail(): string {
    return this.process?.tail(20) ?? '';
  }

  /**
   * skopeo with REGISTRY_AUTH_FILE=`authFile`, resolving the registry's host name to it (its own
   * /etc/hosts in a mount namespace) and trusting its CA.
   */
  skopeo(authFile: string, args: readonly string[]): SpawnSyncReturns<string> {
    const hosts = join(this.dir, 'hosts');
    writeFileSync(hosts, `127.0.0.1 localhost\n${this.address} ${this.host}\n`);
    return spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec skopeo "$@"', hosts, ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH, REGISTRY_AUTH_FILE: authFile, HOME: this.dir },
    });
  }
}

function mkdirIn(dir: string, name: string): string {
  mkdirSync(join(dir, name), { recursive: true });
  return join(dir, name);
}

/** A one-layer OCI image layout in `dir`, tagged `tag` (what a build would push). */
export function ociImage(dir: string, tag: string): string {
  const layout = mkdirIn(dir, 'oci');
  const blobs = mkdirIn(layout, 'blobs/sha256');
  const blob = (content: Buffer | string): { digest: string; size: number } => {
    const bytes = Buffer.from(content);
    const digest = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(blobs, digest), bytes);
    return { digest: `sha256:${digest}`, size: bytes.length };
  };
  const files = mkdirIn(dir, 'layer');
  writeFileSync(join(files, 'plugin.txt'), 'the Debezium plugin would be here\n');
  const tar = spawnSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-cf', '-', '-C', files, '.'], { maxBuffer: 2 ** 24 });
  const gzip = spawnSync('gzip', ['-n'], { input: tar.stdout, maxBuffer: 2 ** 24 });
  const layer = blob(gzip.stdout);
  const config = blob(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [`sha256:${createHash('sha256').update(tar.stdout).digest('hex')}`] },
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    }),
  );
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  return `oci:${layout}:${tag}`;
}

/** Built once per process. */
let esoTemplateBinary: string | undefined;

/**
 * External Secrets Operator's template engine (e2e/eso-template: its pkg/template/v2 at the
 * pinned module version) over a generator's output: the Secret's data, or the engine's error.
 */
export function esoTemplate(template: Record<string, string>, data: Record<string, string>): { data?: Record<string, string>; error?: string } {
  esoTemplateBinary ??= goBuild('eso-template', '.', 'eso-template');
  const binary = esoTemplateBinary;
  const result = spawnSync(binary, [], { input: JSON.stringify({ template, data }), encoding: 'utf8', timeout: 60_000 });
  if (result.status === 0) return { data: JSON.parse(result.stdout) };
  if (result.status === 1) return { error: result.stderr.trim() };
  throw new Error(`eso-template failed (${result.error?.message ?? result.status}): ${result.stderr}`);
}

/**
 * The output keys of an External Secrets generator, read from its source in the pinned module
 * (the map it returns): what an ExternalSecret template over it may name.
 */
export function generatorOutputKeys(kind: 'ECRAuthorizationToken' | 'GCRAccessToken'): string[] {
  // The module at e2e/eso-template's pinned version, downloaded into the module cache when it is not there yet.
  const module = spawnSync('go', ['mod', 'download', '-json', 'github.com/external-secrets/external-secrets'], {
    cwd: join(packageRoot(), 'e2e', 'eso-template'),
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  if (module.status !== 0) throw new Error(`go mod download failed: ${module.stderr}${module.stdout}`);
  const file = { ECRAuthorizationToken: 'pkg/generator/ecr/ecr.go', GCRAccessToken: 'pkg/generator/gcr/gcr.go' }[kind];
  const source = readFileSync(join(JSON.parse(module.stdout).Dir, file), 'utf8');
  // The first map literal returned is the private registry's (ECR) or the only one (GCR).
  const returned = /return map\[string\]\[\]byte\{([^}]*)\}/.exec(source)?.[1];
  if (!returned) throw new Error(`no returned map in ${file}`);
  return [...returned.matchAll(/"([a-z_]+)":/g)].map((m) => m[1]);
}
