import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Options shared by the cdc8s commands. */
export interface CliOptions {
  /** Environment names to take from the environments directory (`--env`, repeatable). */
  readonly envs: string[];
  /** Config files given directly (`--config`, repeatable). */
  readonly configs: string[];
  /** Output root (`--out`). */
  readonly out: string;
  /** Directory of environment files (`--environments`). */
  readonly environmentsDir: string;
  /** Print stack traces (`--debug`). */
  readonly debug: boolean;
  /** diff: compare with what this Git revision renders instead of the output directory (`--base`). */
  readonly base?: string;
  /** synth: check every object against the upstream schemas before writing (off with `--no-validate`). */
  readonly validate: boolean;
  /** Never download schemas that are missing (`--offline`): validation then warns about them, as without network. */
  readonly offline: boolean;
  /** Directory of the Kubernetes JSON schemas (`--k8s-schemas`); default: ../shared/schemas/kubernetes, else the download cache. */
  readonly k8sSchemasDir?: string;
  /** Directory of the Strimzi CRDs (`--crds`); default: ../shared/crds/strimzi-1.2.0, else the download cache. */
  readonly crdsDir?: string;
  /** validate: YAML files to check instead of rendering the environments (`--file`, `-` for stdin). */
  readonly files: string[];
  /** secrets: replace existing Secrets with new values (`--rotate`); by default they are kept. */
  readonly rotate: boolean;
  /** prerequisites: print the commands instead of running them (`--print`). */
  readonly print: boolean;
  /** prerequisites: only what talks to the Kubernetes API, without waiting for workloads (`--api-only`): no node steps. */
  readonly apiOnly: boolean;
  /** prerequisites: install each chart from `<dir>/<chart name>` instead of its upstream OCI reference (`--chart-dir`). */
  readonly chartDir?: string;
  /** prerequisites: steps to leave out, by id (`--skip`, repeatable). */
  readonly skip: string[];
}

export class UsageError extends Error {}

const DEFAULTS = { out: 'dist', environmentsDir: 'environments' };

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: { -readonly [K in keyof CliOptions]: CliOptions[K] } = {
    envs: [],
    configs: [],
    files: [],
    ...DEFAULTS,
    debug: false,
    validate: true,
    offline: false,
    rotate: false,
    print: false,
    apiOnly: false,
    skip: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || (next.startsWith('-') && next !== '-')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--env':
        options.envs.push(value());
        break;
      case '--config':
        options.configs.push(value());
        break;
      case '--out':
        options.out = value();
        break;
      case '--environments':
        options.environmentsDir = value();
        break;
      case '--debug':
        options.debug = true;
        break;
      case '--base':
        options.base = value();
        break;
      case '--no-validate':
        options.validate = false;
        break;
      case '--offline':
        options.offline = true;
        break;
      case '--k8s-schemas':
        options.k8sSchemasDir = value();
        break;
      case '--crds':
        options.crdsDir = value();
        break;
      case '--file':
        options.files.push(value());
        break;
      case '--rotate':
        options.rotate = true;
        break;
      case '--print':
        options.print = true;
        break;
      case '--api-only':
        options.apiOnly = true;
        break;
      case '--chart-dir':
        options.chartDir = value();
        break;
      case '--skip':
        options.skip.push(value());
        break;
      default:
        throw new UsageError(
          `unknown argument ${arg} (known: --env <name>, --config <file>, --out <dir>, --environments <dir>, --no-validate, --offline, --k8s-schemas <dir>, --crds <dir>, --file <path|->, --base <git-ref>, --rotate, --print, --api-only, --chart-dir <dir>, --skip <step>, --debug)`,
        );
    }
  }
  return options;
}

/** The environment files the options select: --config files, --env names, or every file in the directory. */
export function selectConfigFiles(options: CliOptions): string[] {
  if (options.configs.length > 0 || options.envs.length > 0) {
    return [...options.configs, ...options.envs.map((name) => join(options.environmentsDir, `${name}.yaml`))];
  }
  let entries: string[];
  try {
    entries = readdirSync(options.environmentsDir);
  } catch {
    throw new UsageError(`no environments directory at ${options.environmentsDir}`);
  }
  const files = entries
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(options.environmentsDir, f));
  if (files.length === 0) throw new UsageError(`no environment files (*.yaml) in ${options.environmentsDir}`);
  return files;
}

/**
 * Runs a command body: one clear line on failure (stack trace with --debug), exit code
 * `failureCode` (2 for usage errors). The body may return its own exit code.
 */
export async function runCli(argv: readonly string[], body: (options: CliOptions) => number | void | Promise<number | void>, failureCode = 1): Promise<void> {
  let debug = argv.includes('--debug');
  try {
    const options = parseArgs(argv);
    debug = options.debug;
    process.exitCode = (await body(options)) ?? 0;
  } catch (error) {
    const err = error as Error;
    process.stderr.write(`${debug && err.stack ? err.stack : err.message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : failureCode;
  }
}
