import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { POSTGRES_PORT, POSTGRES_SECRET_MOUNTS, POSTGRES_SOCKET_DIR } from '../../src/constructs/postgres-image';
import { BACKUP_HEARTBEAT_FILE, BACKUP_STANZA } from '../../src/constructs/postgres-backup';
import { RECONCILE_DIR, RECONCILE_READY_FILE } from '../../src/constructs/postgres-reconcile';
import { availableOrSkip } from './available';
import { ManagedProcess } from './process';
import { CertificateAuthority } from './certs';
import { POSTGRES_TLS_DIR } from '../../src/constructs/postgres-tls';
import { databaseStatefulSet, RenderedObject } from '../../src/output/database-objects';

export const MISSING_POSTGRES_MESSAGE =
  'PostgreSQL server binaries (initdb, pg_ctl) not found: install them (Debian: apt-get install postgresql) ' +
  'and run the tests as root, so the server can run as the postgres OS user';

/** Directory holding initdb and pg_ctl, or undefined. */
function postgresBin(): string | undefined {
  const candidates = ['/usr/lib/postgresql'].filter(existsSync)
    .flatMap((root) => readdirSync(root).sort().reverse().map((v) => join(root, v, 'bin')));
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

function postgresUid(): { uid: number; gid: number } | undefined {
  const result = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return result.status === 0 ? { uid: Number(result.stdout), gid: Number(gid.stdout) } : undefined;
}

/** True when a throwaway server can run here; under CI=true its absence fails instead of skipping. */
export function postgresAvailable(): boolean {
  const available = postgresBin() !== undefined && process.getuid?.() === 0 && postgresUid() !== undefined;
  return availableOrSkip(available ? undefined : MISSING_POSTGRES_MESSAGE);
}

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

/** A file of a rendered postgres-debezium image context, by its path within the context. */
export type ImageContext = (path: string) => string;

/** The rendered reconcile ConfigMap's data: file name → content. */
export type ReconcileFiles = Readonly<Record<string, string>>;

export interface Login {
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** `database` opens a logical replication (walsender) connection, as Debezium does. */
  readonly replication?: 'database';
  /** `disable`: a plaintext attempt (the server must refuse it); otherwise verify-full, as every client renders it. */
  readonly sslmode?: 'disable';
}

/**
 * A throwaway PostgreSQL started with the rendered postgresql.conf and pg_hba.conf; only the
 * paths that differ on a test machine (socket directory, port) are overridden.
 */
export class PostgresServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'cdc8s-pg-'));
  readonly port = 20000 + Math.floor(Math.random() * 20000);
  private readonly bin = postgresBin() as string;
  private readonly owner = postgresUid() as { uid: number; gid: number };

  /** The test CA that signs the server's certificate, standing in for cert-manager's ClusterIssuer. */
  readonly ca: CertificateAuthority;
  /** The name clients verify the server as (the rendered Certificate's first DNS name). */
  readonly serverName: string;
  private readonly serverNames: readonly string[];
  private issued = 0;
  private reconcileFiles: ReconcileFiles = {};

  /**
   * `removedLibraries`: files the image deletes from the server's lib directory. The server loads
   * libraries by name from a directory holding all the others (dynamic_library_path), so what the
   * image removed cannot be loaded here either. `serverNames`: the rendered server Certificate's.
   */
  constructor(files: { postgresqlConf: string; pgHba: string; removedLibraries?: readonly string[]; serverNames: readonly string[] }) {
    chmodSync(this.dir, 0o700);
    chownSync(this.dir, this.owner.uid, this.owner.gid);
    const libraries = join(this.dir, 'lib');
    mkdirSync(libraries);
    const pkglibdir = join(this.bin, '..', 'lib');
    for (const name of readdirSync(pkglibdir)) {
      if (!(files.removedLibraries ?? []).includes(name)) symlinkSync(join(pkglibdir, name), join(libraries, name));
    }
    const caDir = join(this.dir, 'ca');
    mkdirSync(caDir);
    this.ca = new CertificateAuthority(caDir, '/CN=cdc8s test PostgreSQL CA');
    this.serverName = files.serverNames[0];
    this.serverNames = files.serverNames;
    this.issueServerCertificate();
    this.writeFile('postgresql.conf', files.postgresqlConf.replaceAll(POSTGRES_TLS_DIR, join(this.dir, 'tls')));
    this.writeFile('pg_hba.conf', files.pgHba);
    this.asPostgres(join(this.bin, 'initdb'), ['-D', this.data, '-U', 'postgres', '--auth-local=peer', '--auth-host=scram-sha-256']);
    this.start();
  }

  /**
   * Issues a server certificate for the rendered DNS names into the mounted TLS directory, as
   * cert-manager does on issue and on every renewal (a new key each time); returns its serial.
   */
  issueServerCertificate(): string {
    const name = `server-${++this.issued}`;
    const { key, cert } = this.ca.issue(name, `/CN=${this.serverName}`, this.serverNames.map((n) => `DNS:${n}`).join(','));
    // The key as PostgreSQL requires it: owned by the server's user, no access for others.
    this.writeFile('tls/tls.crt', readFileSync(cert, 'utf8'));
    chmodSync(this.writeFile('tls/tls.key', readFileSync(key, 'utf8')), 0o600);
    return spawnSync('openssl', ['x509', '-noout', '-serial', '-in', cert], { encoding: 'utf8' }).stdout.trim();
  }

  /** The serial of the certificate the server presents right now (a TLS handshake, as a client sees it). */
  servedCertificateSerial(): string {
    const handshake = spawnSync('openssl', ['s_client', '-starttls', 'postgres', '-connect', `127.0.0.1:${this.port}`, '-servername', this.serverName], { input: '', encoding: 'utf8', timeout: 30_000 });
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(handshake.stdout)?.[0];
    if (!pem) throw new Error(`no certificate in the TLS handshake: ${handshake.stderr}`);
    return spawnSync('openssl', ['x509', '-noout', '-serial'], { input: pem, encoding: 'utf8' }).stdout.trim();
  }

  private start(): void {
    const options = [
      `-c config_file=${join(this.dir, 'postgresql.conf')}`,
      `-c hba_file=${join(this.dir, 'pg_hba.conf')}`,
      `-c unix_socket_directories=${this.dir}`,
      `-c port=${this.port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c dynamic_library_path=${join(this.dir, 'lib')}`,
    ].join(' ');
    // -l: the server's output goes to a file, never to a pipe this process would wait on. The
    // server's environment names pgBackRest's configuration, for the rendered archive_command.
    this.asPostgres('env', [`PGBACKREST_CONFIG=${this.backupConfigFile}`, join(this.bin, 'pg_ctl'), '-D', this.data, '-o', options, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', 'start']);
  }

  /** pg_ctl stop: `immediate` is a crash (no checkpoint), `fast` a clean shutdown. */
  private shutdown(mode: 'immediate' | 'fast', check = true): void {
    this.asPostgres(join(this.bin, 'pg_ctl'), ['-D', this.data, '-m', mode, '-w', '-t', '60', 'stop'], check);
  }

  /** Where the rendered pgbackrest.conf is written (its default path, /etc/pgbackrest, is the pod's). */
  get backupConfigFile(): string {
    return join(this.dir, 'pgbackrest', 'pgbackrest.conf');
  }

  /**
   * The rendered pgbackrest.conf, with the pod's paths moved here. An object-store repository (S3,
   * GCS) becomes a directory repository of this run: nothing here reaches a cloud; every other
   * option is as rendered.
   */
  configureBackup(rendered: string): void {
    const local = !/^repo1-type=posix$/m.test(rendered);
    const lines = rendered.split('\n')
      .filter((line) => !local || !/^repo1-(type|path|s3-|gcs-)/.test(line))
      .map((line) => line
        .replace(/^pg1-path=.*/, `pg1-path=${this.data}`)
        .replace(/^pg1-socket-path=.*/, `pg1-socket-path=${this.dir}`)
        .replace(/^pg1-port=.*/, `pg1-port=${this.port}`)
        .replace(/^lock-path=.*/, `lock-path=${join(this.dir, 'pgbackrest', 'lock')}`)
        .replace(/^repo1-path=.*/, `repo1-path=${join(this.dir, 'repo')}`));
    if (local) lines.splice(lines.indexOf('[global]') + 1, 0, 'repo1-type=posix', `repo1-path=${join(this.dir, 'repo')}`);
    this.writeFile('pgbackrest/pgbackrest.conf', lines.join('\n'));
    for (const dir of ['pgbackrest', 'repo']) {
      mkdirSync(join(this.dir, dir), { recursive: true });
      chownSync(join(this.dir, dir), this.owner.uid, this.owner.gid);
    }
  }

  /** The rendered backup sidecar script, running as the sidecar runs it (stop it when done). */
  startBackupLoop(script: string): ManagedProcess {
    return this.startSidecar('backup', this.writeFile('backup.sh', this.mounted(script)));
  }

  /**
   * A sidecar's script as the postgres OS user, in a process group of its own (its children end
   * with it), with pgBackRest's configuration where the pod mounts it.
   */
  private startSidecar(name: string, script: string): ManagedProcess {
    return new ManagedProcess(`${name} sidecar`, 'bash', [script], join(this.dir, `${name}.log`),
      { uid: this.owner.uid, gid: this.owner.gid, group: true, cwd: this.dir, env: { PATH: process.env.PATH, PGBACKREST_CONFIG: this.backupConfigFile } }).start();
  }

  /** Runs pgBackRest as the postgres OS user with the configured file; throws with its output on failure. */
  pgbackrest(...args: string[]): string {
    const result = this.asPostgres('env', [`PGBACKREST_CONFIG=${this.backupConfigFile}`, 'pgbackrest', ...args], false);
    if (result.status !== 0) throw new Error(`pgbackrest ${args.join(' ')} failed (${result.status}): ${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`);
    return result.stdout;
  }

  /**
   * A point-in-time restore as the restore runbook runs it: the server stopped, pgBackRest
   * restoring the data directory in place (`--delta`) to `target`, then started, promoted.
   */
  restoreToTime(target: string): void {
    this.shutdown('fast');
    this.pgbackrest(`--stanza=${BACKUP_STANZA}`, '--delta', '--type=time', `--target=${target}`, '--target-action=promote', 'restore');
    this.start();
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  /** Writes a file the postgres OS user can read, e.g. a script for `psql --file`. */
  writeFile(name: string, content: string): string {
    const path = join(this.dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    chownSync(path, this.owner.uid, this.owner.gid);
    return path;
  }

  /** A server started with the configuration files of a rendered postgres-debezium image context. */
  static fromImageContext(context: ImageContext, serverNames: readonly string[]): PostgresServer {
    // The Dockerfile's `RUN rm -f <paths>`: the libraries the image goes without.
    const removed = /^RUN rm -f (.+)$/m.exec(context('Dockerfile'))?.[1].split(' ').map((path) => basename(path)) ?? [];
    return new PostgresServer({ postgresqlConf: context('postgresql.conf'), pgHba: context('pg_hba.conf'), removedLibraries: removed, serverNames });
  }

  /**
   * The database as its rendered pod runs it: the image context's configuration, the server
   * certificate's names, pgBackRest's configuration, then the first start (the reconcile from its
   * ConfigMap, the passwords as mounted files). The caller checks `init` and stops the server.
   */
  static startAsRendered(files: ReadonlyMap<string, string>, objects: readonly RenderedObject[], environment: string,
    passwords: { readonly app: string; readonly debezium: string }): { server: PostgresServer; init: SpawnSyncReturns<string>; reconcile: ReconcileFiles; backup: Record<string, string> } {
    const context = (path: string) => {
      const content = files.get(`images/postgres-debezium/${environment}/${path}`);
      if (content === undefined) throw new Error(`no ${path} in the rendered image context of ${environment}`);
      return content;
    };
    const name = databaseStatefulSet(objects)?.metadata?.name;
    const [reconcile, backup] = [configMapData(objects, `${name}-reconcile`), configMapData(objects, `${name}-backup`)];
    const server = PostgresServer.fromImageContext(context, serverNamesOf(objects));
    server.configureBackup(backup['pgbackrest.conf']);
    return { server, init: server.initializeAsImage(context, reconcile, passwords), reconcile, backup };
  }

  /**
   * Runs the image context's first-start script as the image's entrypoint runs it, with the
   * rendered reconcile ConfigMap and the passwords as mounted files; only the absolute mount paths
   * move into this server's directory.
   */
  initializeAsImage(context: ImageContext, reconcile: ReconcileFiles, passwords: { readonly app: string; readonly debezium: string }): SpawnSyncReturns<string> {
    this.reconcileFiles = reconcile;
    this.setPasswords(passwords);
    this.writeReconcileFiles();
    const script = this.mounted(context('initdb/10-cdc8s-init.sh'));
    return this.runInitScript(this.writeFile('10-cdc8s-init.sh', script));
  }

  /** The mounted Secrets' new content, as the kubelet updates a Secret volume (a rotation). */
  setPasswords(passwords: { readonly app?: string; readonly debezium?: string }): void {
    if (passwords.app !== undefined) this.writeFile('secrets/app/password', passwords.app);
    if (passwords.debezium !== undefined) this.writeFile('secrets/debezium/password', passwords.debezium);
  }

  /** A new version of the reconcile ConfigMap, as the kubelet updates a ConfigMap volume. */
  updateReconcile(files: ReconcileFiles): void {
    this.reconcileFiles = files;
    this.writeReconcileFiles();
  }

  private writeReconcileFiles(): void {
    for (const [name, content] of Object.entries(this.reconcileFiles)) this.writeFile(`reconcile/${name}`, this.mounted(content));
  }

  /** Mount paths of the pod moved into this server's directory. */
  private mounted(text: string): string {
    return text
      .replaceAll(dirname(POSTGRES_SECRET_MOUNTS.app), join(this.dir, 'secrets'))
      .replaceAll(RECONCILE_DIR, join(this.dir, 'reconcile'))
      .replaceAll(RECONCILE_READY_FILE, join(this.dir, 'reconciled'))
      .replaceAll(BACKUP_HEARTBEAT_FILE, join(this.dir, 'backup-heartbeat'))
      .replaceAll(POSTGRES_TLS_DIR, join(this.dir, 'tls'))
      .replaceAll(POSTGRES_SOCKET_DIR, this.dir)
      .replaceAll(`PGPORT=${POSTGRES_PORT}`, `PGPORT=${this.port}`);
  }

  /** One pass of the sidecar: the reconcile, then its check, as its script runs them. */
  reconcile(): { reconcile: SpawnSyncReturns<string>; check: SpawnSyncReturns<string> } {
    const psql = (file: string) => this.asPostgres('psql', ['-X', '-q', '-h', this.dir, '-p', String(this.port), '-d', 'postgres', '-f', join(this.dir, 'reconcile', file)], false);
    return { reconcile: psql('reconcile.sql'), check: psql('check.sql') };
  }

  /** The rendered sidecar script, running as the sidecar runs it, as the postgres OS user (stop it when done). */
  startReconcileLoop(): ManagedProcess {
    return this.startSidecar('reconcile', join(this.dir, 'reconcile', 'reconcile.sh'));
  }

  /**
   * Runs a shell script as the postgres OS user, the way the image's entrypoint runs the scripts
   * in docker-entrypoint-initdb.d: POSTGRES_USER set, the server on the local socket.
   */
  runInitScript(path: string): SpawnSyncReturns<string> {
    return this.asPostgres('env', [`POSTGRES_USER=postgres`, `PGHOST=${this.dir}`, `PGPORT=${this.port}`, 'bash', path], false);
  }

  /** SQL as the superuser over the socket, in the application database (the sidecar's login); throws on error. */
  superuser(sql: string, database = 'transactions'): string {
    const result = this.asPostgres('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-h', this.dir, '-p', String(this.port), '-d', database, '-c', sql], false);
    if (result.status !== 0) throw new Error(`psql as the superuser failed: ${result.stderr}`);
    return result.stdout.trim();
  }

  /**
   * libpq's address of the server as a client pod sees it: the Service's DNS name, verified
   * against the CA (verify-full), reached on loopback (hostaddr), unless `sslmode` says otherwise.
   */
  address(sslmode?: 'disable'): string {
    const where = `host=${this.serverName} hostaddr=127.0.0.1 port=${this.port}`;
    return sslmode ? `${where} sslmode=${sslmode}` : `${where} sslmode=verify-full sslrootcert=${this.ca.certificate}`;
  }

  /** psql over TCP with a password, as a client pod connects. */
  client(login: Login, sql: string): SpawnSyncReturns<string> {
    const conninfo = `${this.address(login.sslmode)} dbname=${login.database} user=${login.user}${login.replication ? ` replication=${login.replication}` : ''}`;
    return spawnSync('psql', ['-v', 'ON_ERROR_STOP=1', '--no-psqlrc', '-At', '-d', conninfo, '-c', sql], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PGPASSWORD: login.password, PGCONNECT_TIMEOUT: '5' },
    });
  }

  /**
   * Runs a rendered exec probe inside the "pod" as the postgres OS user: only the socket directory
   * and the port are moved to this server's.
   */
  runProbe(command: readonly string[], socketDir: string, port: number): SpawnSyncReturns<string> {
    const [program, ...args] = command.map((arg) => (arg === socketDir ? this.dir : arg === String(port) ? String(this.port) : arg));
    return this.asPostgres(program, args, false);
  }

  /** True once the sidecar script has reconciled (its readiness probe's file). */
  get reconciled(): boolean {
    return existsSync(join(this.dir, 'reconciled'));
  }

  /** What the server has logged so far. */
  log(): string {
    return readFileSync(join(this.dir, 'server.log'), 'utf8');
  }

  /** Restarts the server on its data: `immediate` is a crash (no checkpoint), `fast` a clean shutdown. */
  restart(mode: 'immediate' | 'fast'): void {
    this.shutdown(mode);
    this.start();
  }

  stop(): void {
    this.shutdown('immediate', false);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private asPostgres(command: string, args: string[], check = true): SpawnSyncReturns<string> {
    const result = spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8', cwd: this.dir, timeout: 120_000 });
    if (check && result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
    return result;
  }
}
