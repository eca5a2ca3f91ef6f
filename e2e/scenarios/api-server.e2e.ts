import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERT_MANAGER_NAMESPACE } from '../../src/constructs/postgres/tls';
import { DIST, distManifests, tempDir } from '../../test/helpers';
import { availableOrSkip } from '../harness/available';
import { buildKube, type KubeBinaries, KUBERNETES_VERSIONS, KubeServer, missingCrds, missingGo, SHARED_CRDS } from '../harness/kube';
import { apiGroupOf } from '../../src/model/rendered-object';

/**
 * Every rendered output applied to real kube-apiservers, the oldest and the newest Kubernetes we
 * support (built from source, e2e/kube/<version>), with etcd: what the server admits, stores and
 * rejects, which schemas alone cannot tell (CEL rules in CRDs, fields a version does not know,
 * Pod Security warnings). One fresh server per version and environment.
 */
const ENVIRONMENTS = ['minikube', 'eks', 'gke'];
const ready = availableOrSkip(missingGo()) && availableOrSkip(missingCrds());

describe.runIf(ready).each(KUBERNETES_VERSIONS)('every output on a real Kubernetes %s API server', (version) => {
  let bin: KubeBinaries;
  beforeAll(() => {
    bin = buildKube(version);
  }, 45 * 60_000);

  describe.each(ENVIRONMENTS)('%s', (env) => {
    let server: KubeServer;
    const { files, objects } = distManifests(env) as { files: string[]; objects: any[] };

    beforeAll(async () => {
      server = new KubeServer(bin);
      await server.start();
      server.installCrds(SHARED_CRDS);
      // cert-manager is a prerequisite (README): its CRDs are installed above, its namespace here.
      const certManager = server.kubectl(['create', 'namespace', CERT_MANAGER_NAMESPACE]);
      if (certManager.status !== 0) throw new Error(`namespace ${CERT_MANAGER_NAMESPACE}: ${certManager.stderr}`);
      // What the platform team applies once, before anything syncs from Git.
      const guard = server.kubectl(['apply', '--server-side', '--field-manager=platform', '--validate=strict', '-f', join(DIST, 'platform', `${env}.yaml`)]);
      if (guard.status !== 0 || guard.stderr) throw new Error(`dist/platform/${env}.yaml: ${guard.stderr}`);
    });
    afterAll(() => server?.stop());

    it(`applies dist/${env}/ in file order, server-side with strict field validation: no error, no warning`, () => {
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const applied = server.kubectl(['apply', '--server-side', '--field-manager=cdc8s', '--validate=strict', '-f', file]);
        expect({ file, status: applied.status, stderr: applied.stderr }).toEqual({ file, status: 0, stderr: '' });
      }
    });

    describe(`the admission policy of dist/platform/${env}.yaml, as the server enforces it`, () => {
      const namespaces = objects.filter((o: any) => o.kind === 'Namespace');
      const label = (ns: string, value: string, key = 'pod-security.kubernetes.io/enforce') => server.kubectl(['label', 'namespace', ns, `${key}=${value}`, '--overwrite']);

      it('refuses relabelling any of our namespaces to a looser Pod Security level, or another version', () => {
        expect(namespaces.length).toBe(3);
        for (const ns of namespaces) {
          for (const looser of ['privileged', ...(ns.metadata.labels['pod-security.kubernetes.io/enforce'] === 'restricted' ? ['baseline'] : [])]) {
            const relabelled = label(ns.metadata.name, looser);
            expect({ ns: ns.metadata.name, looser, status: relabelled.status }).toEqual({ ns: ns.metadata.name, looser, status: 1 });
            expect(relabelled.stderr).toContain(`namespace ${ns.metadata.name} must enforce Pod Security`);
          }
          expect(label(ns.metadata.name, 'v1.24', 'pod-security.kubernetes.io/enforce-version').status).toBe(1);
          expect(server.kubectl(['label', 'namespace', ns.metadata.name, 'pod-security.kubernetes.io/enforce-']).status).toBe(1);
        }
      });

      it('allows a stricter level, and namespaces that are not ours', () => {
        const loosest = namespaces.find((ns: any) => ns.metadata.labels['pod-security.kubernetes.io/enforce'] === 'baseline');
        if (loosest) {
          expect(label(loosest.metadata.name, 'restricted').status).toBe(0);
          expect(label(loosest.metadata.name, 'baseline').status).toBe(0);
        }
        expect(server.kubectl(['create', 'namespace', 'someone-else']).status).toBe(0);
        expect(label('someone-else', 'privileged').status).toBe(0);
      });

      it('refuses our PersistentVolume on any other host path', () => {
        const volumes = objects.filter((o: any) => o.kind === 'PersistentVolume');
        for (const pv of volumes) {
          const file = join(tempDir('cdc8s-pv-'), 'pv.json');
          writeFileSync(file, JSON.stringify({ ...pv, metadata: { name: pv.metadata.name }, spec: { ...pv.spec, hostPath: { path: '/', type: 'Directory' } } }));
          const created = server.kubectl(['create', '--dry-run=server', '-f', file]);
          expect(created.status).toBe(1);
          expect(created.stderr).toContain(`persistent volume ${pv.metadata.name} must be the hostPath ${pv.spec.hostPath.path}`);
        }
        expect(volumes.length).toBe(env === 'minikube' ? 1 : 0);
      });
    });

    it('Pod Security admission: a Pod of every rendered pod template is admitted in its namespace (dry run) with no warning', () => {
      const templates = objects.filter((o: any) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind));
      expect(templates.length).toBeGreaterThanOrEqual(3);
      const pods = tempDir('cdc8s-pods-');
      // The ServiceAccount controller (kube-controller-manager, not run here) gives every namespace its `default`.
      for (const ns of objects.filter((o: any) => o.kind === 'Namespace')) server.kubectl(['create', 'serviceaccount', 'default', '-n', ns.metadata.name]);
      for (const workload of templates) {
        const pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `${workload.metadata.name}-psa`, namespace: workload.metadata.namespace, labels: workload.spec.template.metadata?.labels },
          spec: workload.spec.template.spec,
        };
        const file = join(pods, `${workload.metadata.name}.json`);
        writeFileSync(file, JSON.stringify(pod));
        // Warnings come from each namespace's warn level (restricted everywhere): none is allowed.
        const created = server.kubectl(['create', '--dry-run=server', '-f', file]);
        expect({ pod: pod.metadata.name, status: created.status, stderr: created.stderr }).toEqual({ pod: pod.metadata.name, status: 0, stderr: '' });
      }
    });

    describe('RBAC, as the API server decides it (SubjectAccessReview through kubectl auth can-i)', () => {
      const can = (serviceAccount: string, verb: string, resource: string, namespace: string) => {
        const result = server.kubectl(['auth', 'can-i', verb, resource, '-n', namespace, `--as=system:serviceaccount:${serviceAccount}`]);
        return result.stdout.trim();
      };
      // Strimzi runs Connect as <name>-connect in the KafkaConnect's namespace.
      const connect = objects.find((o: any) => o.kind === 'KafkaConnect');
      const connectSa = `${connect.metadata.namespace}:${connect.metadata.name}-connect`;
      const secretRef = /^\$\{strimzisecrets:([^/]+)\/([^:]+):/.exec(objects.find((o: any) => o.kind === 'KafkaConnector').spec.config['database.password']) as RegExpExecArray;
      const [, dataNamespace, secret] = secretRef;

      it('the Connect ServiceAccount may get exactly the Debezium password Secret, and nothing else', () => {
        expect(can(connectSa, 'get', `secrets/${secret}`, dataNamespace)).toBe('yes');
        expect(can(connectSa, 'list', 'secrets', dataNamespace)).toBe('no');
        expect(can(connectSa, 'watch', 'secrets', dataNamespace)).toBe('no');
        expect(can(connectSa, 'update', `secrets/${secret}`, dataNamespace)).toBe('no');
        expect(can(connectSa, 'get', 'secrets/postgres-app', dataNamespace)).toBe('no');
        expect(can(connectSa, 'get', `secrets/${secret}`, connect.metadata.namespace)).toBe('no');
        expect(can(connectSa, 'get', 'configmaps', dataNamespace)).toBe('no');
      });

      it("the API's and the consumers' ServiceAccounts may do nothing", () => {
        const workloads = objects.filter((o: any) => o.kind === 'Deployment' && o.spec.template.spec.serviceAccountName);
        expect(workloads.length).toBeGreaterThanOrEqual(3);
        for (const w of workloads) {
          const sa = `${w.metadata.namespace}:${w.spec.template.spec.serviceAccountName}`;
          for (const [verb, resource] of [
            ['get', 'secrets'],
            ['list', 'configmaps'],
            ['get', 'pods'],
            ['create', 'events'],
            ['*', '*'],
          ]) {
            expect(`${sa} ${verb} ${resource}: ${can(sa, verb, resource, w.metadata.namespace)}`).toBe(`${sa} ${verb} ${resource}: no`);
          }
        }
      });
    });

    it(`applies dist/argocd/${env}.yaml (AppProject and Application) into Argo CD's namespace`, () => {
      expect(server.kubectl(['create', 'namespace', 'argocd']).status).toBe(0);
      const applied = server.kubectl(['apply', '--server-side', '--field-manager=cdc8s', '--validate=strict', '-f', join(DIST, 'argocd', `${env}.yaml`)]);
      expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: '' });
    });

    it(`every object of dist/${env}/ is allowed by the AppProject read back from the server`, () => {
      const project = JSON.parse(server.kubectl(['get', 'appprojects.argoproj.io', '-n', 'argocd', '-o', 'json']).stdout).items[0].spec;
      const served = server.servedKinds();
      // Argo CD 3.x: `*` matches any group or kind; an entry's name, when set, must match too.
      const listed = (list: { group: string; kind: string; name?: string }[] | undefined, group: string, kind: string, name?: string) =>
        (list ?? []).some((r) => (r.group === '*' || r.group === group) && (r.kind === '*' || r.kind === kind) && (r.name === undefined || r.name === name));
      const refused = objects.flatMap((o: any) => {
        const group = apiGroupOf(o.apiVersion);
        const what = `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        if (served.get(`${group}/${o.kind}`)?.namespaced === false)
          return listed(project.clusterResourceWhitelist, group, o.kind, o.metadata.name) ? [] : [`${what}: not in clusterResourceWhitelist`];
        if (project.namespaceResourceWhitelist && !listed(project.namespaceResourceWhitelist, group, o.kind)) return [`${what}: not in namespaceResourceWhitelist`];
        if (listed(project.namespaceResourceBlacklist, group, o.kind)) return [`${what}: in namespaceResourceBlacklist`];
        return project.destinations.some((d: any) => d.namespace === '*' || d.namespace === o.metadata.namespace) ? [] : [`${what}: namespace not a destination`];
      });
      expect(refused).toEqual([]);
    });
  });
});
