import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPONENTS, type Component } from '../../src/charts';
import { helm } from '../../test/helm';
import { DIST, type RenderedObject, parseYamlObjects } from '../../test/helpers';
import { availableOrSkip } from '../harness/available';
import { buildKube, KubeServer, missingCrds, missingGo, SHARED_CRDS } from '../harness/kube';
import { apiGroupOf } from '../../src/model/rendered-object';

/**
 * The Helm umbrella chart on a real Kubernetes 1.35 API server with the bundled Helm v4: the
 * README's three-step first install, a component switched off and on again, and an uninstall.
 * Without kube-controller-manager nothing is garbage-collected, so an object Helm deleted but a
 * finalizer holds (a Namespace, a claim) still shows: it counts as deleted, as it would be.
 */
/** The operator the README's second step installs (simulated by its CRDs); every other CRD is a cluster prerequisite. */
const OPERATOR_CRDS = 'strimzi-1.2.0';
/**
 * What holds data: Strimzi deletes a topic's data with its KafkaTopic and a cluster with its Kafka,
 * claims and volumes hold Postgres, and deleting a Namespace deletes everything in it.
 */
const HOLDS_DATA = new Set(['Kafka', 'KafkaNodePool', 'KafkaTopic', 'PersistentVolumeClaim', 'PersistentVolume', 'Namespace']);
const ready = availableOrSkip(missingGo()) && availableOrSkip(missingCrds());

const keyOf = (o: RenderedObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

describe.runIf(ready).each(['minikube', 'eks', 'gke'])('%s: the Helm chart on a real Kubernetes 1.35 API server', (env) => {
  const chart = join(DIST, 'helm', `cdc8s-${env}`);
  // The components this chart has (monitoring only where observability is on).
  const present = COMPONENTS.filter((c) => existsSync(join(chart, 'charts', c)));
  // Each component's objects, read from its subchart's templates.
  const objectsOf = (component: Component): RenderedObject[] => {
    const templates = join(chart, 'charts', component, 'templates');
    return readdirSync(templates)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .flatMap((f) => parseYamlObjects(readFileSync(join(templates, f), 'utf8').replace(/^\{\{.*\}\}$/gm, '')));
  };
  const all = present.flatMap((c) => objectsOf(c));
  let server: KubeServer;
  let run: (args: string[]) => ReturnType<typeof helm>;

  /** Which of `objects` exist on the server and are not being deleted (none of a kind it does not serve yet). */
  const live = (objects: readonly RenderedObject[]): Set<string> => {
    const served = server.servedKinds();
    const file = join(server.dir, 'objects.json');
    const known = objects.filter((o) => served.has(`${apiGroupOf(o.apiVersion)}/${o.kind}`));
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: known }));
    const got = server.kubectl(['get', '-f', file, '--ignore-not-found', '-o', 'json']);
    if (got.status !== 0) throw new Error(got.stderr);
    const items: RenderedObject[] = got.stdout.trim() ? (JSON.parse(got.stdout).items ?? [JSON.parse(got.stdout)]) : [];
    return new Set(items.filter((o: any) => !o.metadata.deletionTimestamp).map(keyOf));
  };
  const release = ['--namespace', 'cdc8s'];

  beforeAll(async () => {
    server = new KubeServer(buildKube('1.35'));
    await server.start();
    run = (args) =>
      helm(args, {
        KUBECONFIG: server.kubeconfig,
        HELM_CONFIG_HOME: join(server.dir, 'helm-config'),
        HELM_CACHE_HOME: join(server.dir, 'helm-cache'),
        HELM_DATA_HOME: join(server.dir, 'helm-data'),
      });
    server.installCrds(SHARED_CRDS, (upstream) => upstream !== OPERATOR_CRDS);
  }, 45 * 60_000);
  afterAll(() => server?.stop());

  it("the README's first install: namespaces only, then the operator, then the upgrade NOTES.txt prints; no error, no warning", () => {
    const onlyNamespaces = present
      .filter((c) => c !== 'namespaces')
      .map((c) => `${c}.enabled=false`)
      .join(',');
    const first = run(['install', 'cdc8s', chart, ...release, '--create-namespace', '--set', onlyNamespaces]);
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    expect([...live(all)].sort()).toEqual(objectsOf('namespaces').map(keyOf).sort());

    server.installCrds(SHARED_CRDS, (upstream) => upstream === OPERATOR_CRDS);
    // The third step exactly as the chart's NOTES print it.
    const printed = /^\s*helm (upgrade cdc8s <this chart> .*)$/m.exec(first.stdout)?.[1];
    expect(printed).toBeDefined();
    const everything = run(
      (printed as string)
        .replace('<this chart>', 'CHART')
        .split(/\s+/)
        .map((arg) => (arg === 'CHART' ? chart : arg)),
    );
    expect({ status: everything.status, stderr: everything.stderr }).toEqual({ status: 0, stderr: '' });
    expect([...live(all)].sort()).toEqual(all.map(keyOf).sort());
  });

  it.each(present)('switching %s off removes exactly its objects except those that hold data; switching it on restores them', (component) => {
    const off = run(['upgrade', 'cdc8s', chart, ...release, '--set', `${component}.enabled=false`]);
    expect({ status: off.status, stderr: off.stderr }).toEqual({ status: 0, stderr: '' });
    const others = present.filter((c) => c !== component).flatMap((c) => objectsOf(c));
    const kept = objectsOf(component).filter((o) => HOLDS_DATA.has(o.kind));
    expect([...live(all)].sort()).toEqual([...others, ...kept].map(keyOf).sort());

    // A kept object still carries the release's ownership, so switching back adopts it.
    const on = run(['upgrade', 'cdc8s', chart, ...release, '--reset-values']);
    expect({ status: on.status, stderr: on.stderr }).toEqual({ status: 0, stderr: '' });
    expect([...live(all)].sort()).toEqual(all.map(keyOf).sort());
  });

  it('helm uninstall leaves every object that holds data in place, and nothing else', () => {
    const uninstall = run(['uninstall', 'cdc8s', '--namespace', 'cdc8s']);
    expect({ status: uninstall.status }).toEqual({ status: 0 });
    expect([...live(all)].sort()).toEqual(
      all
        .filter((o) => HOLDS_DATA.has(o.kind))
        .map(keyOf)
        .sort(),
    );
  });
});
