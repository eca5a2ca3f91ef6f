import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEBIAN_SUITE } from '../../src/model/postgres-versions';

/**
 * The database image, built here without Docker: a Debian root that debootstrap makes from the
 * same suite and archive the image's base comes from, with the rendered Dockerfile's steps run in
 * it (its COPY and RUN up to the last RUN: the packages at their pinned versions). The tests run
 * PostgreSQL and pgBackRest from it with chroot, as the image's user and with the image's ENV, so
 * the binaries they run are the ones the image ships.
 */

/** A file of a rendered postgres-debezium image context, by its path within the context. */
export type ImageContext = (path: string) => string;

/** One instruction of the rendered Dockerfile. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** What the image declares for its containers (Dockerfile ENV, USER, ENTRYPOINT, CMD, STOPSIGNAL). */
export interface ImageConfig {
  readonly env: Readonly<Record<string, string>>;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly stopSignal: string;
  /** Where the image's later COPY steps put each context file (e.g. postgresql.conf → /etc/postgresql/postgresql.conf). */
  readonly files: ReadonlyMap<string, string>;
}

const KNOWN = ['FROM', 'COPY', 'RUN', 'ENV', 'USER', 'ENTRYPOINT', 'CMD', 'STOPSIGNAL'];
/** Debian's archive, as the debian images' sources name it; CDC8S_DEBIAN_MIRROR for a mirror of it. */
const MIRROR = process.env.CDC8S_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const SECURITY_MIRROR = process.env.CDC8S_DEBIAN_SECURITY_MIRROR ?? 'http://deb.debian.org/debian-security';
/** A cold build downloads about 250 MB and installs it: bounded. */
const BUILD_TIMEOUT_MS = 15 * 60_000;

/**
 * The Dockerfile's instructions as Docker reads them: continuation lines joined, and build
 * arguments substituted with their defaults (a build without --build-arg). An ARG before FROM is
 * seen by FROM, and after it only where the stage declares it again. ARGs are not steps.
 */
export function parseDockerfile(text: string): Instruction[] {
  const global = new Map<string, string>();
  const stage = new Map<string, string>();
  const instructions: Instruction[] = [];
  const substitute = (args: string, scope: ReadonlyMap<string, string>) => args.replace(/\$\{(\w+)\}/g, (_, name: string) => scope.get(name) ?? '');
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  for (const line of lines) {
    const match = /^([A-Z]+)\s+(.*)$/.exec(line);
    if (match?.[1] === 'ARG') {
      const [name, value] = match[2].split(/=(.*)/s);
      if (instructions.length === 0) {
        if (value === undefined) throw new Error(`ARG ${name} before FROM needs a default: a plain build has nothing else`);
        global.set(name, value);
      } else {
        stage.set(name, value ?? global.get(name) ?? '');
      }
      continue;
    }
    if (!match || !KNOWN.includes(match[1])) throw new Error(`the rendered Dockerfile has an instruction the test build does not know: ${line}`);
    instructions.push({ keyword: match[1], args: substitute(match[2], match[1] === 'FROM' ? global : stage) });
  }
  return instructions;
}

function jsonArray(instruction: Instruction): string[] {
  const value = JSON.parse(instruction.args) as unknown;
  if (!Array.isArray(value)) throw new Error(`${instruction.keyword} must be in exec (JSON) form: ${instruction.args}`);
  return value as string[];
}

/** `COPY a b /dest/` → [[a, /dest/a], [b, /dest/b]]; `COPY a /dest/file` → [[a, /dest/file]]. */
function copies(args: string): [string, string][] {
  const parts = args.split(/\s+/);
  const dest = parts.pop() as string;
  return parts.map((source) => [source, dest.endsWith('/') ? `${dest}${source}` : dest]);
}

/**
 * The image's build split where the tests split it: the steps up to the last RUN make the root
 * (slow, cached by their digest); the COPY steps after it place files each server keeps in its own
 * directory; the rest is the containers' configuration.
 */
function plan(context: ImageContext): { suite: string; rootSteps: Instruction[]; config: ImageConfig; key: string } {
  const instructions = parseDockerfile(context('Dockerfile'));
  const from = instructions[0];
  if (from?.keyword !== 'FROM') throw new Error('the rendered Dockerfile does not start with FROM');
  const tag = /:([^@/]+)(@|$)/.exec(from.args)?.[1] ?? '';
  const suite = tag.split('-')[0];
  if (suite !== DEBIAN_SUITE) throw new Error(`the image's base ${from.args} is not Debian ${DEBIAN_SUITE}: the test build makes a ${DEBIAN_SUITE} root`);
  const lastRun = instructions.map((i) => i.keyword).lastIndexOf('RUN');
  const rootSteps = instructions.slice(1, lastRun + 1);
  const later = instructions.slice(lastRun + 1);
  const env: Record<string, string> = {};
  const files = new Map<string, string>();
  let user = { uid: 0, gid: 0 };
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let stopSignal = 'SIGTERM';
  for (const step of later) {
    if (step.keyword === 'COPY') for (const [source, dest] of copies(step.args)) files.set(source, dest);
    else if (step.keyword === 'ENV') {
      for (const pair of step.args.split(/\s+/)) {
        const at = pair.indexOf('=');
        if (at < 1 || /["']/.test(pair)) throw new Error(`ENV in key=value form without quotes, please: ${step.args}`);
        env[pair.slice(0, at)] = pair.slice(at + 1);
      }
    } else if (step.keyword === 'USER') {
      const [uid, gid] = step.args.split(':').map(Number);
      user = { uid, gid: gid ?? uid };
    } else if (step.keyword === 'ENTRYPOINT') entrypoint = jsonArray(step);
    else if (step.keyword === 'CMD') cmd = jsonArray(step);
    else if (step.keyword === 'STOPSIGNAL') stopSignal = step.args;
    else throw new Error(`${step.keyword} after the last RUN: the test build only places files and reads the configuration there`);
  }
  const hash = createHash('sha256').update(`${suite}\0${MIRROR}\0${SECURITY_MIRROR}\0`);
  for (const step of rootSteps) {
    hash.update(`${step.keyword} ${step.args}\0`);
    if (step.keyword === 'COPY') for (const [source] of copies(step.args)) hash.update(context(source)).update('\0');
  }
  return { suite, rootSteps, config: { env, user, entrypoint, cmd, stopSignal, files }, key: hash.digest('hex').slice(0, 16) };
}

/** Why the root cannot be made here, or undefined when it can. */
export function rootPrerequisiteMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'the tests run PostgreSQL from a Debian root with chroot, which needs root: run them as root';
  if (spawnSync('debootstrap', ['--version'], { encoding: 'utf8' }).status !== 0 && !existsSync('/usr/sbin/debootstrap')) {
    return "debootstrap not found: install it (Debian: apt-get install debootstrap); the tests build the database image's Debian root with it";
  }
  return undefined;
}

/** Where roots are kept: $CDC8S_ROOTS_DIR, or ~/.cache/cdc8s/postgres-root (outside the clone, so npm ci keeps them). */
function rootsDir(): string {
  return process.env.CDC8S_ROOTS_DIR ?? join(homedir(), '.cache', 'cdc8s', 'postgres-root');
}

/** The image's root and configuration, made here. */
export class PostgresRoot {
  private constructor(
    /** The root directory on this machine. */
    readonly dir: string,
    readonly config: ImageConfig,
  ) {}

  /** The root for a rendered image context if it was built already (no build). */
  static find(context: ImageContext): PostgresRoot | undefined {
    const { key, config } = plan(context);
    const dir = join(rootsDir(), key);
    return existsSync(join(dir, '.cdc8s-complete')) ? new PostgresRoot(dir, config) : undefined;
  }

  /**
   * The root for a rendered image context, built when missing: debootstrap (minbase) of the suite,
   * the debian image's apt sources, then each COPY and RUN up to the last RUN, as the build runs
   * them. Throws with the build's output when a step fails (no network, a pin the archive dropped).
   */
  static ensure(context: ImageContext): PostgresRoot {
    const found = PostgresRoot.find(context);
    if (found) return found;
    const { key, suite, rootSteps, config } = plan(context);
    const dir = join(rootsDir(), key);
    const building = `${dir}.building-${process.pid}`;
    const log = `${building}.log`;
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(building, { recursive: true, force: true });
    const step = (what: string, command: string, args: string[]) => {
      const result = spawnSync(command, args, { encoding: 'utf8', timeout: BUILD_TIMEOUT_MS, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' } });
      writeFileSync(log, `${result.stdout ?? ''}${result.stderr ?? ''}`, { flag: 'a' });
      if (result.status !== 0) {
        const tail = readFileSync(log, 'utf8').split('\n').slice(-30).join('\n');
        rmSync(building, { recursive: true, force: true });
        throw new Error(`building the database image's root: ${what} failed (${result.error?.message ?? `exit ${result.status}`}); last lines of ${log}:\n${tail}`);
      }
    };
    step(`debootstrap ${suite}`, 'debootstrap', ['--variant=minbase', suite, building, MIRROR]);
    // The suites the debian images list: the release, its updates and its security archive.
    writeFileSync(join(building, 'etc/apt/sources.list'), '');
    writeFileSync(
      join(building, 'etc/apt/sources.list.d/debian.sources'),
      [
        `Types: deb\nURIs: ${MIRROR}\nSuites: ${suite} ${suite}-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
        `Types: deb\nURIs: ${SECURITY_MIRROR}\nSuites: ${suite}-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
      ].join('\n'),
    );
    for (const instruction of rootSteps) {
      if (instruction.keyword === 'COPY') {
        for (const [source, dest] of copies(instruction.args)) {
          mkdirSync(dirname(join(building, dest)), { recursive: true });
          writeFileSync(join(building, dest), context(source));
        }
      } else if (instruction.keyword === 'RUN') {
        // As a build container has it: /proc (bash's process substitution reads /dev/fd through it).
        step(`RUN ${instruction.args}`, 'unshare', [
          '--mount',
          '--propagation',
          'private',
          '/bin/sh',
          '-c',
          'mount -t proc proc "$0/proc" && exec /usr/sbin/chroot "$0" /bin/sh -c "$1"',
          building,
          instruction.args,
        ]);
      } else {
        throw new Error(`${instruction.keyword} before the last RUN: the test build does not run it`);
      }
    }
    // PostgreSQL's dynamic shared memory: the pod mounts a memory volume at /dev/shm; here a directory anyone may write.
    chmodSync(join(building, 'dev/shm'), 0o1777);
    writeFileSync(join(building, '.cdc8s-complete'), `${new Date().toISOString()}\n`);
    rmSync(log, { force: true });
    try {
      renameSync(building, dir);
    } catch (error) {
      // Another process finished the same root first: use it.
      if (!existsSync(join(dir, '.cdc8s-complete'))) throw error;
      rmSync(building, { recursive: true, force: true });
    }
    return new PostgresRoot(dir, config);
  }

  /** A path inside the root as a path on this machine. */
  hostPath(inner: string): string {
    return join(this.dir, inner);
  }

  /**
   * A path of the root with its symbolic links resolved as the root's processes resolve them
   * (Debian's /var/run is a link to /run): where a mount over that path must go.
   */
  resolve(inner: string): string {
    const parts = inner.split('/').filter(Boolean);
    let resolved = '';
    for (let i = 0; i < parts.length; i++) {
      const candidate = `${resolved}/${parts[i]}`;
      let link: string | undefined;
      try {
        link = readlinkSync(this.hostPath(candidate));
      } catch {
        link = undefined;
      }
      if (link === undefined) {
        resolved = candidate;
        continue;
      }
      const target = link.startsWith('/') ? link : `${resolved}/${link}`;
      return this.resolve([target, ...parts.slice(i + 1)].join('/'));
    }
    return resolved || '/';
  }

  /**
   * chroot's arguments to run `command` in the root as `user` (the image's USER by default): the
   * process sees the root's files only, with the image's ENV plus `env`, as a container would.
   */
  chrootArgs(command: readonly string[], user: { uid: number; gid: number } = this.config.user): string[] {
    return [`--userspec=${user.uid}:${user.gid}`, this.dir, ...command];
  }

  /** The environment of a process in the root: the image's ENV, HOME as the image's passwd gives it, then `env`. */
  environment(env: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
    return { HOME: '/var/lib/postgresql', ...this.config.env, ...env };
  }

  /** Runs a command in the root to completion (bounded). */
  run(
    command: readonly string[],
    options: { env?: Readonly<Record<string, string>>; user?: { uid: number; gid: number }; input?: string; timeoutMs?: number } = {},
  ): SpawnSyncReturns<string> {
    return spawnSync('/usr/sbin/chroot', this.chrootArgs(command, options.user), {
      encoding: 'utf8',
      env: this.environment(options.env),
      input: options.input,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 2 ** 20,
    });
  }

  /** Installed Debian packages in the root, name → version. */
  installedVersions(names: readonly string[]): Record<string, string> {
    const result = this.run(['dpkg-query', '--show', '--showformat=${Package} ${Version}\\n', ...names], { user: { uid: 0, gid: 0 } });
    return Object.fromEntries(
      result.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ') as [string, string]),
    );
  }

  /** Whether a file exists in the root. */
  has(inner: string): boolean {
    return existsSync(this.hostPath(inner));
  }
}

/**
 * Builds the database image's root for the shipped environments once, before any test needs it
 * (vitest's global set-up; the bench calls it too). Where it cannot be built the suites that need
 * it skip, saying why; under CI=true this throws instead.
 */
export function prepareDatabaseRoot(context: ImageContext): void {
  const missing = rootPrerequisiteMissing();
  try {
    if (missing) throw new Error(missing);
    const started = Date.now();
    const built = PostgresRoot.find(context) === undefined;
    const root = PostgresRoot.ensure(context);
    if (built) console.log(`built the database image's root ${root.dir} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    console.warn(`the suites that run PostgreSQL will skip: ${(error as Error).message}`);
  }
}
