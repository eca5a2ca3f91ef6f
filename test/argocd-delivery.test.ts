import { Application, AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLY_STAGES, isCustomResource, SYNC_OPTIONS_ANNOTATION, SYNC_WAVE_ANNOTATION, syncWave } from '../src/model/apply-order';
import { writeAtomically } from '../src/output/write';
import { copyOfDist, ENVIRONMENTS, envFile, file, RenderedObject, objectsOf, ofKind, parseYamlObjects, rawConfig, render, renderVariant } from './helpers';

const wave = (o: RenderedObject) => Number(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]);
const syncOptions = (o: RenderedObject) => (o.metadata.annotations?.[SYNC_OPTIONS_ANNOTATION] ?? '').split(',').filter(Boolean);
const groupOf = (o: RenderedObject) => (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '');
const stageWave = (stage: (typeof APPLY_STAGES)[number]) => syncWave(stage);

describe.each(ENVIRONMENTS)('%s: Argo CD syncs dist/<env>/ in apply order and shows Synced when healthy', (name) => {
  const rendered = render(name);
  const objects = objectsOf(rendered);
  const argo = parseYamlObjects(file(rendered, `argocd/${name}.yaml`));
  const [project] = ofKind(argo, 'AppProject');
  const [application] = ofKind(argo, 'Application');
  const settings = rawConfig(name).argocd;

  it('writes an AppProject and an Application that are valid Argo CD objects', () => {
    expect(argo.map((o) => o.kind)).toEqual(['AppProject', 'Application']);
    expect(() => new AppProject(project as never).validate()).not.toThrow();
    expect(() => new Application(application as never).validate()).not.toThrow();
  });

  it("syncs this environment's directory from the configured repository and revision", () => {
    expect(application.spec.source).toEqual({ repoURL: settings.repoURL, targetRevision: settings.targetRevision, path: `dist/${name}`, directory: { recurse: false } });
    expect([...rendered.files.keys()].filter((p) => p.startsWith(`${application.spec.source.path.slice('dist/'.length)}/`))).toHaveLength(rendered.manifests.length);
    expect(project.spec.sourceRepos).toEqual([settings.repoURL]);
    expect(application.spec.project).toBe(project.metadata.name);
  });

  it('confines the project to exactly the namespaces and kinds the manifests contain', () => {
    // An entry without a name matches every object of its kind (Argo CD 3.x).
    const allowed = (list: { group: string; kind: string; name?: string }[], o: RenderedObject) =>
      list.some((e) => e.group === groupOf(o) && e.kind === o.kind && (e.name === undefined || e.name === o.metadata.name));
    const namespaces = project.spec.destinations.map((d: { namespace: string }) => d.namespace);
    for (const o of objects) {
      if (o.metadata.namespace) {
        expect(allowed(project.spec.namespaceResourceWhitelist, o), `${o.kind} may be created`).toBe(true);
        expect(namespaces, `${o.kind} ${o.metadata.name}`).toContain(o.metadata.namespace);
      } else {
        expect(allowed(project.spec.clusterResourceWhitelist, o), `cluster-scoped ${o.kind} may be created`).toBe(true);
      }
    }
    const used = (e: { group: string; kind: string }) => objects.some((o) => groupOf(o) === e.group && o.kind === e.kind);
    for (const entry of [...project.spec.namespaceResourceWhitelist, ...project.spec.clusterResourceWhitelist]) expect(used(entry), entry.kind).toBe(true);
    expect(new Set(namespaces)).toEqual(new Set(ofKind(objects, 'Namespace').map((n) => n.metadata.name)));
  });

  it('allows cluster-scoped objects only by name: a commit cannot create or relabel another Namespace, PV or StorageClass', () => {
    const clusterScoped = objects.filter((o) => !o.metadata.namespace);
    expect(project.spec.clusterResourceWhitelist).toEqual(
      clusterScoped
        .map((o) => ({ group: groupOf(o), kind: o.kind, name: o.metadata.name }))
        .sort((a, b) => (`${a.group}/${a.kind}/${a.name}` < `${b.group}/${b.kind}/${b.name}` ? -1 : 1)),
    );
    for (const entry of project.spec.clusterResourceWhitelist) expect(entry.name, entry.kind).toMatch(/^[a-z0-9][a-z0-9.-]*$/); // no glob
  });

  it('gives every object the sync wave of its stage (sync-waves.test.ts proves the stages follow real dependencies)', () => {
    for (const o of objects) expect(Number.isInteger(wave(o)), `${o.kind} ${o.metadata.name}`).toBe(true);
    const wavesOf = (kind: string) => [...new Set(ofKind(objects, kind).map(wave))];
    expect(wavesOf('Namespace')).toEqual([stageWave('namespaces')]);
    if (ofKind(objects, 'ExternalSecret').length) expect(wavesOf('ExternalSecret')).toEqual([stageWave('secrets')]);
    expect(wavesOf('StatefulSet')).toEqual([stageWave('postgres')]);
    expect(wavesOf('Kafka')).toEqual([stageWave('kafka')]);
    expect(wavesOf('KafkaNodePool')).toEqual([stageWave('kafka')]);
    expect(new Set([...wavesOf('KafkaTopic'), ...wavesOf('KafkaUser')])).toEqual(new Set([stageWave('topics-users')]));
    expect(wavesOf('KafkaConnect')).toEqual([stageWave('connect')]);
    expect(wavesOf('KafkaConnector')).toEqual([stageWave('connector')]);
    const deployments = (component: string) => [
      ...new Set(
        ofKind(objects, 'Deployment')
          .filter((d) => d.metadata.labels?.['app.kubernetes.io/component'] === component)
          .map(wave),
      ),
    ];
    expect(deployments('api')).toEqual([stageWave('api')]);
    expect(deployments('consumer')).toEqual([stageWave('consumers')]);
    expect(wavesOf('KafkaAccess')).toEqual([stageWave('consumers')]);
  });

  it('never syncs an object before what it needs', () => {
    const namespaceWave = new Map(ofKind(objects, 'Namespace').map((n) => [n.metadata.name, wave(n)]));
    for (const o of objects.filter((x) => x.metadata.namespace)) {
      // A namespace's default-deny policies share its wave: within a wave Argo CD applies Namespaces first.
      const minimum = (namespaceWave.get(o.metadata.namespace as string) as number) + (o.kind === 'NetworkPolicy' && o.metadata.name.startsWith('default-deny-') ? 0 : 1);
      expect(wave(o), `${o.kind} ${o.metadata.name} after its namespace`).toBeGreaterThanOrEqual(minimum);
    }
    for (const workload of [...ofKind(objects, 'StatefulSet'), ...ofKind(objects, 'Deployment')]) {
      for (const secret of ofKind(objects, 'ExternalSecret').filter((s) => s.metadata.namespace === workload.metadata.namespace)) {
        expect(wave(workload), `${workload.metadata.name} after Secret ${secret.metadata.name}`).toBeGreaterThan(wave(secret));
      }
    }
    const named = (kind: string, n: string) => objects.find((o) => o.kind === kind && o.metadata.name === n) as RenderedObject;
    for (const o of [...ofKind(objects, 'KafkaTopic'), ...ofKind(objects, 'KafkaUser')]) {
      expect(wave(o)).toBeGreaterThan(wave(named('Kafka', o.metadata.labels?.['strimzi.io/cluster'] as string)));
    }
    for (const connect of ofKind(objects, 'KafkaConnect')) {
      expect(wave(connect), 'Connect after its KafkaUser').toBeGreaterThan(wave(named('KafkaUser', connect.spec.authentication.username)));
      expect(wave(connect), 'Connect after Postgres').toBeGreaterThan(wave(ofKind(objects, 'StatefulSet')[0]));
    }
    for (const connector of ofKind(objects, 'KafkaConnector')) {
      expect(wave(connector)).toBeGreaterThan(wave(named('KafkaConnect', connector.metadata.labels?.['strimzi.io/cluster'] as string)));
    }
    for (const access of ofKind(objects, 'KafkaAccess')) {
      expect(wave(access), 'KafkaAccess after its KafkaUser').toBeGreaterThan(wave(named('KafkaUser', access.spec.user.name)));
    }
  });

  it('skips the dry run of custom resources whose CRDs may not exist yet, and only of those', () => {
    // Strimzi, External Secrets, cert-manager, Gateway API, GKE policies and the Prometheus Operator's kinds come from CRDs an operator or the cloud installs.
    const crdGroups = [
      'kafka.strimzi.io',
      'access.strimzi.io',
      'external-secrets.io',
      'generators.external-secrets.io',
      'cert-manager.io',
      'gateway.networking.k8s.io',
      'networking.gke.io',
      'monitoring.coreos.com',
    ];
    expect(objects.filter((o) => crdGroups.includes(groupOf(o))).length).toBeGreaterThanOrEqual(12);
    for (const o of objects) {
      expect(syncOptions(o).includes('SkipDryRunOnMissingResource=true'), `${o.kind} ${o.metadata.name}`).toBe(crdGroups.includes(groupOf(o)));
      expect(isCustomResource(o.apiVersion), o.apiVersion).toBe(crdGroups.includes(groupOf(o)));
    }
  });

  it('never prunes or deletes what holds data (namespaces, Kafka, node pools, topics, volumes)', () => {
    for (const o of objects) {
      const holdsData = ['Namespace', 'Kafka', 'KafkaNodePool', 'KafkaTopic', 'PersistentVolumeClaim', 'PersistentVolume'].includes(o.kind);
      expect(syncOptions(o).includes('Prune=false') && syncOptions(o).includes('Delete=false'), `${o.kind} ${o.metadata.name}`).toBe(holdsData);
    }
  });

  it('applies server-side, diffs server-side and leaves operator-owned fields alone', () => {
    expect(application.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(['ServerSideApply=true', 'RespectIgnoreDifferences=true']));
    expect(application.metadata.annotations?.['argocd.argoproj.io/compare-options']).toBe('ServerSideDiff=true');
    const ignored = application.spec.ignoreDifferences ?? [];
    if (ofKind(objects, 'ExternalSecret').length) {
      expect(ignored).toEqual([expect.objectContaining({ group: 'external-secrets.io', kind: 'ExternalSecret' })]);
      expect(ignored[0].jqPathExpressions).toContain('.spec.data[].remoteRef.conversionStrategy');
    } else {
      expect(ignored).toEqual([]);
    }
  });

  it('syncs automatically with prune and self-heal unless the environment says otherwise', () => {
    if (settings.automated === false) expect(application.spec.syncPolicy.automated).toBeUndefined();
    else expect(application.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });
});

describe('Argo CD settings', () => {
  it('takes the path, revision, namespace and cluster from the config', () => {
    const variant = renderVariant('eks', (c) => {
      c.argocd = {
        repoURL: 'git@github.com:acme/platform.git',
        targetRevision: 'v1.2.3',
        path: 'deploy/cdc8s/dist/eks',
        namespace: 'gitops',
        destinationServer: 'https://eks.example.com',
      };
    });
    const [project, application] = parseYamlObjects(file(variant, 'argocd/eks.yaml'));
    expect(application.spec.source).toMatchObject({ repoURL: 'git@github.com:acme/platform.git', targetRevision: 'v1.2.3', path: 'deploy/cdc8s/dist/eks' });
    expect(application.spec.destination.server).toBe('https://eks.example.com');
    expect([project.metadata.namespace, application.metadata.namespace]).toEqual(['gitops', 'gitops']);
    expect(new Set(project.spec.destinations.map((d: { server: string }) => d.server))).toEqual(new Set(['https://eks.example.com']));
  });

  it('writes no Argo CD file without an argocd section, and a synth removes the stale one', () => {
    const variant = renderVariant('gke', (c) => delete c.argocd);
    expect([...variant.files.keys()].filter((p) => p.startsWith('argocd/'))).toEqual([]);
    const out = copyOfDist();
    expect(existsSync(join(out, 'argocd', 'gke.yaml'))).toBe(true);
    writeAtomically(out, variant.files, variant.units);
    expect(existsSync(join(out, 'argocd', 'gke.yaml'))).toBe(false);
    expect(existsSync(join(out, 'argocd', 'eks.yaml'))).toBe(true);
    expect(existsSync(envFile('gke'))).toBe(true);
  });
});
