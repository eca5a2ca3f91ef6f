import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/model/package-root';
import { listening, ManagedProcess } from './process';
import { KubeServer } from './kube';

/**
 * kube-state-metrics at the version of the standard install in ../shared/install (v2.19.1: the
 * newest whose client-go is not newer than Kubernetes 1.35), built from the Go module proxy into
 * e2e/kube/bin. A cold build is a few minutes on 2 cores, a warm one a link.
 */
export const KUBE_STATE_METRICS_VERSION = 'v2.19.1';
const BIN = join(packageRoot(), 'e2e', 'kube', 'bin', `kube-state-metrics-${KUBE_STATE_METRICS_VERSION}`);

export function buildKubeStateMetrics(): string {
  mkdirSync(BIN, { recursive: true });
  const module = `k8s.io/kube-state-metrics/v2@${KUBE_STATE_METRICS_VERSION}`;
  const result = spawnSync('go', ['install', '-ldflags=-s -w', module], { env: { ...process.env, GOBIN: BIN, GOFLAGS: '-mod=mod' }, encoding: 'utf8', timeout: 30 * 60_000 });
  if (result.status !== 0) throw new Error(`go install ${module} failed (${result.error?.message ?? result.status}):\n${result.stderr.split('\n').slice(-30).join('\n')}`);
  return join(BIN, 'kube-state-metrics');
}

/**
 * kube-state-metrics reporting only custom resources from a configuration file, signed in to the
 * API server as a ServiceAccount (a token from the TokenRequest API): it reads what that account's
 * RBAC lets it, as in a cluster.
 */
export class KubeStateMetrics {
  readonly port = 33000 + Math.floor(Math.random() * 2000);
  private readonly process: ManagedProcess;

  constructor(binary: string, server: KubeServer, account: { readonly namespace: string; readonly name: string }, config: string) {
    const dir = join(server.dir, 'kube-state-metrics');
    mkdirSync(dir, { recursive: true });
    const token = server.kubectl(['create', 'token', account.name, '-n', account.namespace]);
    if (token.status !== 0) throw new Error(`token for ${account.namespace}/${account.name}: ${token.stderr}`);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'ksm',
        clusters: [{ name: 'e2e', cluster: { server: server.url, 'certificate-authority': server.caFile } }],
        users: [{ name: account.name, user: { token: token.stdout.trim() } }],
        contexts: [{ name: 'ksm', context: { cluster: 'e2e', user: account.name } }],
      }),
      { mode: 0o600 },
    );
    writeFileSync(join(dir, 'custom-resource-state.yaml'), config);
    this.process = new ManagedProcess(
      'kube-state-metrics',
      binary,
      [
        `--kubeconfig=${kubeconfig}`,
        '--custom-resource-state-only',
        `--custom-resource-state-config-file=${join(dir, 'custom-resource-state.yaml')}`,
        '--host=127.0.0.1',
        `--port=${this.port}`,
        '--telemetry-host=127.0.0.1',
        `--telemetry-port=${this.port + 1}`,
      ],
      join(dir, 'kube-state-metrics.log'),
    );
  }

  async start(): Promise<void> {
    this.process.start();
    await this.process.waitFor('listening', () => listening('127.0.0.1', this.port), 60_000);
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  log(): string {
    return this.process.log();
  }
}
