import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderEnvironment } from '../src/output/render';
import { ENVIRONMENTS, envFile, RenderedObject, objectsOf, ofKind, render } from './helpers';
import { resolveConfig } from '../src/platforms/resolve';

function apiObjects(name: string, replicas?: number): RenderedObject[] {
  if (replicas === undefined) return objectsOf(render(name));
  const config = parse(readFileSync(envFile(name), 'utf8'));
  config.api.replicas = replicas;
  return objectsOf(renderEnvironment(resolveConfig(name, `${name}.yaml`, config)));
}

describe.each(ENVIRONMENTS)('%s: the transactions API is production-ready', (name) => {
  const objects = apiObjects(name);
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'transactions-api') as RenderedObject;
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;

  it('reads the database password from a file of the Secret (never an environment variable) and the host from the Postgres Service', () => {
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(container.env.filter((e: any) => e.valueFrom?.secretKeyRef)).toEqual([]);
    expect(env.PGPASSWORD).toBeUndefined();
    const file: string = env.PGPASSWORD_FILE.value;
    const mount = container.volumeMounts.find((m: any) => file.startsWith(`${m.mountPath}/`));
    const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === mount?.name);
    expect({ readOnly: mount?.readOnly, secret: volume?.secret?.secretName, key: file.slice(mount.mountPath.length + 1) }).toEqual({
      readOnly: true,
      secret: 'postgres-app',
      key: 'password',
    });
    expect(env.PGHOST.value).toBe('postgres.cdc-data.svc.cluster.local');
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'postgres');
    expect(service?.metadata.namespace).toBe('cdc-data');
  });

  it('probes the configured HTTP paths on the named port', () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(container.ports).toContainEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
  });

  it('runs non-root with a read-only root filesystem and no API token', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('transactions-api');
  });

  it('sets requests and limits', () => {
    expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources.limits).sort()).toEqual(['cpu', 'memory']);
  });

  it('selects its pods with the Service and the Deployment alike', () => {
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'transactions-api') as RenderedObject;
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    for (const [k, v] of Object.entries(service.spec.selector)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
  });
});

describe('high availability follows the replica count', () => {
  it('with 2 or more replicas: a PodDisruptionBudget and zone/node spreading', () => {
    const objects = apiObjects('minikube', 2);
    const [pdb] = ofKind(objects, 'PodDisruptionBudget').filter((o) => o.metadata.name === 'transactions-api');
    expect(pdb.spec.maxUnavailable).toBe(1);
    const deployment = ofKind(objects, 'Deployment')[0];
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const keys = deployment.spec.template.spec.topologySpreadConstraints.map((c: any) => c.topologyKey);
    expect(keys).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  });

  it('with 1 replica: no budget that would block node drains, no spreading', () => {
    const objects = apiObjects('minikube', 1);
    expect(ofKind(objects, 'PodDisruptionBudget').filter((o) => o.metadata.name === 'transactions-api')).toEqual([]);
    expect(ofKind(objects, 'Deployment')[0].spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });
});
