import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SECRET_NAMES } from '../../src/charts/secrets';
import { POSTGRES_CONTAINER } from '../../src/constructs/postgres/postgres';
import { BACKUP_STANZA, BACKUP_VOLUME_PATH } from '../../src/constructs/postgres/backup';
import { POSTGRES_PORT, POSTGRES_SOCKET_DIR } from '../../src/constructs/postgres/image';
import { databaseStatefulSet } from '../../src/diff/database-objects';
import { availableOrSkip } from './available';
import { CertificateAuthority } from './certs';
import { ImageContext, PostgresRoot, rootPrerequisiteMissing } from './postgres-root';
import { listening, ManagedProcess } from './process';
import { RenderedObject } from '../../src/model/rendered-object';

export type { ImageContext } from './postgres-root';

/** The DNS names of the rendered server Certificate (what clients verify the server as). */
export function serverNamesOf(objects: readonly { kind?: string; spec?: any }[]): string[] {
  const certificate = objects.find((o) => o.kind === 'Certificate' && o.spec?.usages?.includes('server auth'));
  if (!certificate) throw new Error('no server Certificate rendered for the database');
  return certificate.spec.dnsNames;
}

/** A rendered ConfigMap's data, by name; throws when none was rendered. */
export function configMapData(objects: readonly { kind?: string; metadata?: { name?: string } }[], name: string): Record<string, string> {
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === name) as { data?: Record<string, string> } | undefined;
  if (!configMap?.data) throw new Error(`no ConfigMap ${name} rendered`);
  return configMap.data;
}

/** The rendered image context of an environment, as files by their path within the context. */
export function imageContextOf(files: ReadonlyMap<string, string>, environment: string): ImageContext {
  return (path: string) => {
    const content = files.get(`images/postgres-debezium/${environment}/${path}`);
    if (content === undefined) throw new Error(`no ${path} in the rendered image context of ${environment}`);
    return content;
  };
}

/**
 * True when the database image's root has been built here (the test run's global set-up builds
 * it); otherwise the suite skips saying what is missing, and under CI=true fails.
 */
export function postgresAvailable(files: ReadonlyMap<string, string>, environment: string): boolean {
  const missing =
    rootPrerequisiteMissing() ??
    (PostgresRoot.find(imageContextOf(files, environment))
      ? undefined
      : "the database image's Debian root could not be built (the global set-up printed why): it needs Debian's archive (or CDC8S_DEBIAN_MIRROR)");
  return availableOrSkip(missing);
}

export interface Login {
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** `database` opens a logical replication (walsender) connection, as Debezium does. */
  readonly replication?: 'database';
  /** `disable`: a plaintext attempt (the server must refuse it); otherwise verify-full, as every client renders it. */
  readonly sslmode?: 'disable';
}

/** A process to spawn (a client's psql, say): command, arguments and environment. */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** The rendered reconcile ConfigMap's data: file name → content. */
export type ReconcileFiles = Readonly<Record<string, string>>;

/** A bind mount of a container: a directory (or file) of this machine at a path of the container. */
interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/**
 * Mounts each volume at its mountPath over the image's root (read-only, as the pod's
 * readOnlyRootFilesystem makes it) in a mount namespace of its own, then runs the command there
 * as the container's user: the pod's filesystem, per container, with no path rewritten.
 */
const CONTAINER_SCRIPT = [
  'set -e',
  'root=$1; user=$2; shift 2',
  'mount --bind "$root" "$root"',
  'mount -o remount,bind,ro "$root"',
  'mount -t proc proc "$root/proc"',
  'while [ "$1" != -- ]; do',
  '  mount --bind "$1" "$root$2"',
  '  if [ "$3" = ro ]; then mount -o remount,bind,ro "$root$2"; fi',
  '  shift 3',
  'done',
  'shift',
  'exec /usr/sbin/chroot --userspec="$user" "$root" "$@"',
].join('\n');

/** Where the test clients see the CA certificate (their Certificate's mount stands in for it). */
const CLIENT_CA_DIR = '/etc/cdc8s-test/ca';

/**
 * The rendered database pod, run for real: the image's root (PostgresRoot), each container with
 * exactly its rendered volume mounts (ConfigMaps, Secrets, emptyDirs and the claims as
 * directories of this run), user, environment, command and probes. What differs from a cluster,
 * and only this: the server listens on 127.0.0.1 at a free port (the rendered 5432 becomes that
 * port wherever it is written), a test CA issues the server certificate in place of
 * cert-manager, and an object-store repository (S3, GCS) becomes a directory repository.
 */
export class PostgresServer {
  /** This run's directory: the volumes, the image's per-environment files, the logs. */
  readonly dir = mkdtempSync(join(tmpdir(), 'cdc8s-pg-'));
  readonly port = 20000 + Math.floor(Math.random() * 20000);
  /** The test CA that signs the server's certificate, standing in for cert-manager's ClusterIssuer. */
  readonly ca: CertificateAuthority;
  /** The name clients verify the server as (the rendered Certificate's first DNS name). */
  readonly serverName: string;
  private readonly serverNames: readonly string[];
  private readonly pod: any;
  private readonly volumes = new Map<string, string>();
  private readonly secretValues: Record<string, string>;
  private readonly imageFiles: Mount[] = [];
  private readonly extraMounts = new Map<string, Mount[]>();
  private server?: ManagedProcess;
  private issued = 0;

  private constructor(
    readonly root: PostgresRoot,
    private readonly objects: readonly RenderedObject[],
    context: ImageContext,
    passwords: { readonly app: string; readonly debezium: string },
  ) {
    const statefulSet = databaseStatefulSet(objects);
    if (!statefulSet) throw new Error('no database StatefulSet rendered');
    this.pod = statefulSet.spec.template.spec;
    this.serverNames = serverNamesOf(objects);
    this.serverName = this.serverNames[0];
    this.secretValues = {
      [SECRET_NAMES.postgresSuperuser]: `superuser-${randomBytes(8).toString('hex')}`,
      [SECRET_NAMES.postgresApp]: passwords.app,
      [SECRET_NAMES.postgresDebezium]: passwords.debezium,
    };
    mkdirSync(join(this.dir, 'ca'));
    this.ca = new CertificateAuthority(join(this.dir, 'ca'), '/CN=cdc8s test PostgreSQL CA');
    // The image's files its later COPY steps place (its configuration, its entrypoint): this environment's.
    for (const [file, target] of root.config.files) {
      const source = join(this.dir, 'image', file);
      mkdirSync(dirname(source), { recursive: true });
      writeFileSync(source, context(file));
      chmodSync(source, 0o644);
      this.imageFiles.push({ source, target, readOnly: true });
    }
    for (const volume of this.pod.volumes) this.makeVolume(volume);
    this.issueServerCertificate();
  }

  /**
   * The database as its rendered pod runs it: the image context's root and files, the pod's
   * volumes, the server container's entrypoint and command; resolves once the server accepts
   * TCP connections (after the first start's initdb and reconcile), and throws with its log when
   * it exits first. The caller starts the sidecars and stops the server.
   */
  static async startAsRendered(
    files: ReadonlyMap<string, string>,
    objects: readonly RenderedObject[],
    environment: string,
    passwords: { readonly app: string; readonly debezium: string },
  ): Promise<{ server: PostgresServer; reconcile: ReconcileFiles; backup: Record<string, string> }> {
    const context = imageContextOf(files, environment);
    const server = new PostgresServer(PostgresRoot.ensure(context), objects, context, passwords);
    await server.start();
    const name = databaseStatefulSet(objects)?.metadata?.name;
    return { server, reconcile: configMapData(objects, `${name}-reconcile`), backup: configMapData(objects, `${name}-backup`) };
  }

  // ---- the pod's volumes ----

  private makeVolume(volume: any): void {
    const dir = join(this.dir, 'volumes', volume.name);
    this.volumes.set(volume.name, dir);
    mkdirSync(dir, { recursive: true });
    const fsGroup = this.pod.securityContext?.fsGroup ?? 0;
    if (volume.configMap) {
      this.writeConfigMap(volume.name, configMapData(this.objects, volume.configMap.name));
    } else if (volume.secret) {
      // The server certificate's Secret is cert-manager's to fill (issueServerCertificate); the others hold a password.
      const value = this.secretValues[volume.secret.secretName];
      if (value !== undefined) this.writeVolumeFile(volume.name, 'password', value, volume.secret.defaultMode ?? 0o644, fsGroup);
    } else if (volume.emptyDir) {
      chmodSync(dir, 0o777);
    } else if (volume.persistentVolumeClaim) {
      // What the kubelet does for fsGroup: the group owns the volume and may write it.
      chownSync(dir, 0, fsGroup);
      chmodSync(dir, 0o2770);
    } else {
      throw new Error(`volume ${volume.name}: a kind the test pod does not know`);
    }
  }

  /** A file of a volume, as the kubelet writes Secret and ConfigMap files: root's, the pod's fsGroup, the volume's mode. */
  private writeVolumeFile(volume: string, name: string, content: string, mode: number, group: number): void {
    const path = join(this.volumes.get(volume) as string, name);
    writeFileSync(path, content);
    chownSync(path, 0, group);
    chmodSync(path, mode);
  }

  /** The volume's ConfigMap, as rendered. */
  private writeConfigMap(volume: string, data: Readonly<Record<string, string>>): void {
    const spec = this.pod.volumes.find((v: any) => v.name === volume);
    for (const [name, content] of Object.entries(data)) this.writeVolumeFile(volume, name, content, spec.configMap.defaultMode ?? 0o644, this.pod.securityContext?.fsGroup ?? 0);
  }

  /**
   * Where pgBackRest finds the repository here: an object store (S3, GCS) is replaced by a directory
   * repository at the path a volume repository has (nothing here reaches a cloud), mounted in each
   * container that runs pgBackRest; its other options (retention) stay as rendered. Returns the
   * environment overrides, none for a volume repository.
   */
  private localRepository(name: string): Record<string, string | undefined> {
    const rendered = new Map<string, string>((this.container(name).env ?? []).map((e: any) => [e.name, e.value]));
    const type = rendered.get('PGBACKREST_REPO1_TYPE');
    if (type === undefined || type === 'posix') return {};
    const repository = join(this.dir, 'volumes', 'test-repository');
    if (!existsSync(repository)) {
      mkdirSync(repository, { recursive: true });
      chownSync(repository, 0, this.pod.securityContext?.fsGroup ?? 0);
      chmodSync(repository, 0o2770);
    }
    this.extraMounts.set(name, [{ source: repository, target: BACKUP_VOLUME_PATH, readOnly: false }]);
    const cloud = [...rendered.keys()].filter((key) => /^PGBACKREST_REPO1_(PATH|S3_|GCS_)/.test(key));
    return { ...Object.fromEntries(cloud.map((key) => [key, undefined])), PGBACKREST_REPO1_TYPE: 'posix', PGBACKREST_REPO1_PATH: BACKUP_VOLUME_PATH };
  }

  /**
   * Issues a server certificate for the rendered DNS names into the certificate's Secret volume, as
   * cert-manager does on issue and on every renewal (a new key each time); returns its serial.
   */
  issueServerCertificate(): string {
    const volume = this.pod.volumes.find((v: any) => v.secret && !(v.secret.secretName in this.secretValues));
    if (!volume) throw new Error('no certificate volume in the database pod');
    const { key, cert } = this.ca.issue(`server-${++this.issued}`, `/CN=${this.serverName}`, this.serverNames.map((n) => `DNS:${n}`).join(','));
    const group = this.pod.securityContext?.fsGroup ?? 0;
    for (const item of volume.secret.items) {
      this.writeVolumeFile(volume.name, item.path, readFileSync(item.key === 'tls.key' ? key : cert, 'utf8'), volume.secret.defaultMode ?? 0o644, group);
    }
    return spawnSync('openssl', ['x509', '-noout', '-serial', '-in', cert], { encoding: 'utf8' }).stdout.trim();
  }

  /** The mounted Secrets' new content, as the kubelet updates a Secret volume (a rotation). */
  setPasswords(passwords: { readonly app?: string; readonly debezium?: string }): void {
    const update = (secret: string, value: string | undefined) => {
      if (value === undefined) return;
      this.secretValues[secret] = value;
      for (const volume of this.pod.volumes.filter((v: any) => v.secret?.secretName === secret)) {
        this.writeVolumeFile(volume.name, 'password', value, volume.secret.defaultMode ?? 0o644, this.pod.securityContext?.fsGroup ?? 0);
      }
    };
    update(SECRET_NAMES.postgresApp, passwords.app);
    update(SECRET_NAMES.postgresDebezium, passwords.debezium);
  }

  /** A new version of the reconcile ConfigMap, as the kubelet updates a ConfigMap volume. */
  updateReconcile(files: ReconcileFiles): void {
    const volume = this.pod.volumes.find((v: any) => v.configMap?.name?.endsWith('-reconcile'));
    this.writeConfigMap(volume.name, files);
  }

  // ---- the containers ----

  private container(name: string): any {
    const container = this.pod.containers.find((c: any) => c.name === name);
    if (!container) throw new Error(`no container ${name} in the database pod`);
    return container;
  }

  /** A container's mounts: its rendered volumeMounts, the image's files, and the harness's repository stand-in. */
  private mounts(name: string, overrides: { writable?: readonly string[] } = {}): Mount[] {
    const rendered = this.container(name).volumeMounts.map((m: any) => ({
      source: this.volumes.get(m.name) as string,
      target: m.mountPath,
      readOnly: m.readOnly === true && !overrides.writable?.includes(m.name),
    }));
    this.localRepository(name);
    return [...this.imageFiles, ...rendered, ...(this.extraMounts.get(name) ?? [])];
  }

  /**
   * A container's environment: its rendered env, with the server's port moved to this run's (for
   * libpq and pgBackRest, whose rendered pgbackrest.conf names 5432) and the repository local.
   */
  private environment(name: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const rendered = Object.fromEntries((this.container(name).env ?? []).map((e: any) => [e.name, e.value]));
    const merged: Record<string, string | undefined> = { ...rendered, PGPORT: String(this.port), PGBACKREST_PG1_PORT: String(this.port), ...this.localRepository(name), ...extra };
    return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
  }

  /** The user a container runs as (its own securityContext, else the pod's). */
  private user(name: string): { uid: number; gid: number } {
    const context = { ...this.pod.securityContext, ...this.container(name).securityContext };
    return { uid: context.runAsUser ?? this.root.config.user.uid, gid: context.runAsGroup ?? context.runAsUser ?? this.root.config.user.gid };
  }

  /** How to run `command` in a container of the pod (see CONTAINER_SCRIPT). */
  private inContainer(mounts: readonly Mount[], user: { uid: number; gid: number }, env: Readonly<Record<string, string>>, command: readonly string[]): Command {
    const resolved = mounts.map((m) => ({ ...m, target: this.root.resolve(m.target) }));
    for (const mount of resolved) {
      // The container runtime makes missing mount points; here they are made once in the shared root.
      const target = this.root.hostPath(mount.target);
      if (existsSync(target)) continue;
      if (statSync(mount.source).isFile()) {
        mkdirSync(dirname(target), { recursive: true });
        closeSync(openSync(target, 'a'));
      } else {
        mkdirSync(target, { recursive: true });
      }
    }
    const triples = resolved.flatMap((m) => [m.source, m.target, m.readOnly ? 'ro' : 'rw']);
    return {
      command: 'unshare',
      args: ['--mount', '--propagation', 'private', '/bin/sh', '-c', CONTAINER_SCRIPT, 'cdc8s-pod', this.root.dir, `${user.uid}:${user.gid}`, ...triples, '--', ...command],
      env: this.root.environment(env),
    };
  }

  /** Runs a command to completion (bounded) in a container of the pod, as its user with its environment. */
  exec(
    container: string,
    command: readonly string[],
    options: { env?: Readonly<Record<string, string>>; input?: string; writable?: readonly string[]; timeoutMs?: number } = {},
  ): SpawnSyncReturns<string> {
    const run = this.inContainer(this.mounts(container, { writable: options.writable }), this.user(container), this.environment(container, options.env), command);
    return spawnSync(run.command, run.args, { encoding: 'utf8', env: run.env, input: options.input, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 2 ** 20 });
  }

  /** A container's rendered command, running in the background as the kubelet runs it (stop it when done). */
  private startContainer(name: string, command: readonly string[], env: Readonly<Record<string, string>> = {}, stopSignal?: NodeJS.Signals): ManagedProcess {
    const run = this.inContainer(this.mounts(name), this.user(name), this.environment(name, env), command);
    return new ManagedProcess(`${name} container`, run.command, run.args, join(this.dir, `${name}.log`), { env: run.env, group: stopSignal === undefined, stopSignal }).start();
  }

  /**
   * The server container: the image's ENTRYPOINT with the rendered args (the first start runs
   * initdb and the reconcile), listening on loopback at this run's port; the kubelet's stop
   * signal is the image's STOPSIGNAL.
   */
  private async start(): Promise<void> {
    const container = this.container(POSTGRES_CONTAINER);
    const command = [
      ...this.root.config.entrypoint,
      ...(container.command ?? []),
      ...(container.args ?? this.root.config.cmd),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `port=${this.port}`,
    ];
    // The entrypoint's first-start psql finds the server at the default socket directory, on this run's port.
    this.server = this.startContainer(POSTGRES_CONTAINER, command, { PGPORT: String(this.port) }, this.root.config.stopSignal as NodeJS.Signals);
    // The first start's temporary server has no TCP listener, and a server in crash recovery
    // listens but refuses logins: ready once TCP answers and the rendered readiness probe passes.
    await this.server.waitFor(
      'accepting connections',
      async () => (await listening('127.0.0.1', this.port)) && this.probe(POSTGRES_CONTAINER, 'readinessProbe').status === 0,
      120_000,
    );
  }

  /** pg_ctl stop in the server's container: `immediate` is a crash (no checkpoint), `fast` a clean shutdown. */
  private async shutdown(mode: 'immediate' | 'fast'): Promise<void> {
    const data = this.environment(POSTGRES_CONTAINER).PGDATA;
    const result = this.exec(POSTGRES_CONTAINER, ['pg_ctl', '-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    if (result.status !== 0 && this.server?.alive) throw new Error(`pg_ctl stop failed: ${result.stderr}`);
    await this.server?.exited(60_000);
  }

  /** Restarts the server on its data: `immediate` is a crash (no checkpoint), `fast` a clean shutdown. */
  async restart(mode: 'immediate' | 'fast'): Promise<void> {
    await this.shutdown(mode);
    await this.start();
  }

  /** The rendered reconcile sidecar, running as the kubelet runs it (stop it when done). */
  startReconcileLoop(): ManagedProcess {
    return this.startContainer('reconcile', this.container('reconcile').command);
  }

  /** The rendered backup sidecar, running as the kubelet runs it (stop it when done). */
  startBackupLoop(): ManagedProcess {
    return this.startContainer('backup', this.container('backup').command);
  }

  /**
   * The rendered postgres_exporter container, as the kubelet runs it, except that it listens on
   * loopback at `port` and logs in at this run's server port (its DSN names 5432).
   */
  startExporter(port: number): ManagedProcess {
    const container = this.container('exporter');
    const command = (container.command as string[]).map((arg) => (arg.startsWith('--web.listen-address=') ? `--web.listen-address=127.0.0.1:${port}` : arg));
    const dsn = (container.env as { name: string; value: string }[]).find((e) => e.name === 'DATA_SOURCE_NAME')?.value;
    if (!dsn) throw new Error('the exporter container has no DATA_SOURCE_NAME');
    return this.startContainer('exporter', command, { DATA_SOURCE_NAME: dsn.replace(`port=${POSTGRES_PORT}`, `port=${this.port}`) });
  }

  /**
   * The backup repository refuses writes (a bucket gone, a grant revoked): archive_command and
   * backups fail until the returned function restores it.
   */
  breakRepository(): () => void {
    const repository = ['test-repository', 'backup-repository'].map((v) => join(this.dir, 'volumes', v)).find((dir) => existsSync(dir));
    if (!repository) throw new Error('no backup repository in this run');
    const mode = statSync(repository).mode & 0o7777;
    chmodSync(repository, 0o500);
    return () => chmodSync(repository, mode);
  }

  /** Runs a container's rendered exec probe in that container (the rendered port moved to this server's). */
  probe(container: string, probe: 'startupProbe' | 'readinessProbe' | 'livenessProbe'): SpawnSyncReturns<string> {
    const command: string[] | undefined = this.container(container)[probe]?.exec?.command;
    if (!command) throw new Error(`${container} has no exec ${probe}`);
    return this.exec(
      container,
      command.map((arg) => (arg === String(POSTGRES_PORT) ? String(this.port) : arg)),
    );
  }

  /** One pass of the reconcile sidecar: the reconcile, then its check, as its script runs them. */
  reconcile(): { reconcile: SpawnSyncReturns<string>; check: SpawnSyncReturns<string> } {
    const dir = this.container('reconcile').volumeMounts.find((m: any) => this.pod.volumes.find((v: any) => v.name === m.name)?.configMap).mountPath;
    const psql = (file: string) => this.exec('reconcile', ['psql', '-X', '-q', '-p', String(this.port), '-d', 'postgres', '-f', `${dir}/${file}`]);
    return { reconcile: psql('reconcile.sql'), check: psql('check.sql') };
  }

  /** True once the reconcile sidecar's rendered readiness probe passes. */
  get reconciled(): boolean {
    return this.probe('reconcile', 'readinessProbe').status === 0;
  }

  /** Runs pgBackRest in the backup sidecar's container; throws with its output on failure. */
  pgbackrest(...args: string[]): string {
    return this.checked('pgbackrest', this.exec('backup', ['pgbackrest', ...args]));
  }

  private checked(what: string, result: SpawnSyncReturns<string>): string {
    if (result.status !== 0) throw new Error(`${what} failed (${result.error?.message ?? result.status}): ${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`);
    return result.stdout;
  }

  /**
   * A point-in-time restore as the restore runbook runs it: the server stopped, pgBackRest in a
   * one-off container with the backup sidecar's mounts and the data volume writable, restoring
   * the data directory in place (`--delta`) to `target`, then the server started, promoted.
   */
  async restoreToTime(target: string): Promise<void> {
    await this.shutdown('fast');
    this.checked(
      'pgbackrest restore',
      this.exec('backup', ['pgbackrest', `--stanza=${BACKUP_STANZA}`, '--delta', '--type=time', `--target=${target}`, '--target-action=promote', 'restore'], {
        writable: this.container('backup')
          .volumeMounts.filter((m: any) => this.pod.volumes.find((v: any) => v.name === m.name)?.persistentVolumeClaim)
          .map((m: any) => m.name),
      }),
    );
    await this.start();
  }

  /** SQL as the superuser over the socket, in the application database (the sidecar's login); throws on error. */
  superuser(sql: string, database = 'transactions'): string {
    const result = this.exec('reconcile', ['psql', '-X', '-v', 'ON_ERROR_STOP=1', '-At', '-h', POSTGRES_SOCKET_DIR, '-p', String(this.port), '-d', database, '-c', sql]);
    if (result.status !== 0) throw new Error(`psql as the superuser failed: ${result.stderr}`);
    return result.stdout.trim();
  }

  /**
   * libpq's address of the server as a client pod sees it: the Service's DNS name, verified
   * against the CA (verify-full, the CA at `caFile`), reached on loopback (hostaddr), unless
   * `sslmode` says otherwise.
   */
  address(caFile: string, sslmode?: 'disable'): string {
    const where = `host=${this.serverName} hostaddr=127.0.0.1 port=${this.port}`;
    return sslmode ? `${where} sslmode=${sslmode}` : `${where} sslmode=verify-full sslrootcert=${caFile}`;
  }

  /**
   * psql as a client pod runs it (the image's psql, the CA mounted as its Certificate's Secret
   * would be), over TCP with a password: the command to spawn, with `args` after the connection.
   */
  psql(login: Login, args: readonly string[]): Command {
    const conninfo = `${this.address(`${CLIENT_CA_DIR}/ca.crt`, login.sslmode)} dbname=${login.database} user=${login.user}${login.replication ? ` replication=${login.replication}` : ''}`;
    return this.inContainer(
      [{ source: join(this.dir, 'ca'), target: CLIENT_CA_DIR, readOnly: true }],
      this.root.config.user,
      { PGPASSWORD: login.password, PGCONNECT_TIMEOUT: '5' },
      ['psql', '-v', 'ON_ERROR_STOP=1', '--no-psqlrc', '-d', conninfo, ...args],
    );
  }

  /** psql over TCP with a password, as a client pod connects. */
  client(login: Login, sql: string): SpawnSyncReturns<string> {
    const run = this.psql(login, ['-At', '-c', sql]);
    return spawnSync(run.command, run.args, { encoding: 'utf8', timeout: 120_000, env: run.env });
  }

  /** The serial of the certificate the server presents right now (a TLS handshake, as a client sees it). */
  servedCertificateSerial(): string {
    const handshake = spawnSync('openssl', ['s_client', '-starttls', 'postgres', '-connect', `127.0.0.1:${this.port}`, '-servername', this.serverName], {
      input: '',
      encoding: 'utf8',
      timeout: 30_000,
    });
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(handshake.stdout)?.[0];
    if (!pem) throw new Error(`no certificate in the TLS handshake: ${handshake.stderr}`);
    return spawnSync('openssl', ['x509', '-noout', '-serial'], { input: pem, encoding: 'utf8' }).stdout.trim();
  }

  /** What the server container has logged so far (the entrypoint's first start included). */
  log(): string {
    return this.server?.log() ?? '';
  }

  /** Stops the server (a crash stop: the run's directory goes with it) and removes the run's directory. */
  async stop(): Promise<void> {
    if (this.server?.alive) await this.shutdown('immediate').catch(() => this.server?.kill('SIGKILL'));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
