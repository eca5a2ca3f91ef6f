import { describe, expect, it } from 'vitest';
import { RenderedObject, objectsOf, ofKind, render } from './helpers';

const minikube = objectsOf(render('minikube'));
const eks = objectsOf(render('eks'));
const gke = objectsOf(render('gke'));
const all = { minikube, eks, gke };

function named(objects: RenderedObject[], kind: string, name: string): RenderedObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
}

describe('storage', () => {
  it('minikube: a static hostPath PersistentVolume, Retain, reserved for the Postgres claim', () => {
    const [pv] = ofKind(minikube, 'PersistentVolume');
    expect(pv.spec.hostPath.path).toBe('/data/cdc8s/postgres');
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pv.spec.claimRef).toEqual({ namespace: 'cdc-data', name: 'postgres-data' });
    const pvc = named(minikube, 'PersistentVolumeClaim', 'postgres-data');
    expect(pvc.spec.volumeName).toBe(pv.metadata.name);
    // '' keeps the claim away from minikube's default dynamic class.
    expect(pvc.spec.storageClassName).toBe('');
  });

  it('PersistentVolumes only on minikube, StorageClasses of ours only on EKS and GKE', () => {
    expect(ofKind(eks, 'PersistentVolume')).toEqual([]);
    expect(ofKind(gke, 'PersistentVolume')).toEqual([]);
    expect(ofKind(minikube, 'StorageClass')).toEqual([]);
    expect(ofKind(gke, 'StorageClass')).toHaveLength(1);
  });

  it.each([
    ['eks', () => eks],
    ['gke', () => gke],
  ])('%s: every claim and Kafka volume is on a class that retains its disk when the claim is deleted', (_name, objects) => {
    const classes = new Map(ofKind(objects(), 'StorageClass').map((c) => [c.metadata.name, c]));
    const claimed = [
      ...ofKind(objects(), 'PersistentVolumeClaim').map((c) => c.spec.storageClassName),
      ...ofKind(objects(), 'KafkaNodePool').flatMap((p) => p.spec.storage.volumes.map((v: { class: string }) => v.class)),
    ];
    expect(claimed.length).toBeGreaterThan(1);
    for (const name of claimed) expect(classes.get(name)?.reclaimPolicy, name).toBe('Retain');
  });

  it('EKS: an encrypted gp3 class on the EBS CSI driver, bound when the pod is scheduled', () => {
    const [sc] = ofKind(eks, 'StorageClass');
    expect(sc).toMatchObject({
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Retain',
    });
    expect(named(eks, 'PersistentVolumeClaim', 'postgres-data').spec.storageClassName).toBe(sc.metadata.name);
  });

  it('GKE: the claim names our Persistent Disk class, with the disk type of premium-rwo', () => {
    const pvc = named(gke, 'PersistentVolumeClaim', 'postgres-data');
    expect(pvc.spec.storageClassName).toBe('cdc8s-pd');
    expect(named(gke, 'StorageClass', 'cdc8s-pd')).toMatchObject({ provisioner: 'pd.csi.storage.gke.io', parameters: { type: 'pd-ssd' } });
    expect(pvc.spec.resources.requests.storage).toBe('200Gi');
  });
});

describe('API exposure', () => {
  it('minikube: a NodePort Service and nothing else', () => {
    const svc = named(minikube, 'Service', 'transactions-api');
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.ports[0].nodePort).toBe(30080);
    for (const kind of ['Ingress', 'Gateway', 'HTTPRoute', 'HealthCheckPolicy']) expect(ofKind(minikube, kind)).toEqual([]);
  });

  it('EKS: an internet-facing ALB Ingress to pod IPs, HTTPS with the ACM certificate', () => {
    const [ingress] = ofKind(eks, 'Ingress');
    const a = ingress.metadata.annotations ?? {};
    expect(ingress.spec.ingressClassName).toBe('alb');
    expect(a['alb.ingress.kubernetes.io/scheme']).toBe('internet-facing');
    expect(a['alb.ingress.kubernetes.io/target-type']).toBe('ip');
    expect(a['alb.ingress.kubernetes.io/healthcheck-path']).toBe('/readyz');
    expect(a['alb.ingress.kubernetes.io/certificate-arn']).toMatch(/^arn:aws:acm:/);
    expect(JSON.parse(a['alb.ingress.kubernetes.io/listen-ports'])).toContainEqual({ HTTPS: 443 });
    expect(ingress.spec.rules[0].host).toBe('api.payments.example.com');
    expect(named(eks, 'Service', 'transactions-api').spec.type).toBe('ClusterIP');
    for (const kind of ['Gateway', 'HTTPRoute', 'HealthCheckPolicy']) expect(ofKind(eks, kind)).toEqual([]);
  });

  it('GKE: a managed global Gateway, an HTTPRoute to the Service and a health-check policy', () => {
    const [gateway] = ofKind(gke, 'Gateway');
    const [route] = ofKind(gke, 'HTTPRoute');
    const [health] = ofKind(gke, 'HealthCheckPolicy');
    expect(gateway.spec.gatewayClassName).toBe('gke-l7-global-external-managed');
    expect(gateway.spec.listeners[0]).toMatchObject({ protocol: 'HTTPS', port: 443 });
    expect(route.spec.parentRefs[0].name).toBe(gateway.metadata.name);
    expect(route.spec.rules[0].backendRefs[0]).toEqual({ name: 'transactions-api', port: 80 });
    expect(health.spec.targetRef).toEqual({ group: '', kind: 'Service', name: 'transactions-api' });
    expect(health.spec.default.config.httpHealthCheck.requestPath).toBe('/readyz');
    expect(ofKind(gke, 'Ingress')).toEqual([]);
  });
});

describe('identity', () => {
  // Cloud identity annotations only; the Argo CD ones are the same on every platform.
  const annotations = (objects: RenderedObject[]) =>
    Object.fromEntries(Object.entries(named(objects, 'ServiceAccount', 'transactions-api').metadata.annotations ?? {}).filter(([k]) => !k.startsWith('argocd.argoproj.io/')));

  it('EKS binds the API ServiceAccount to an IAM role (IRSA)', () => {
    expect(annotations(eks)).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/cdc8s-transactions-api' });
  });

  it('GKE binds it to a GCP service account (Workload Identity)', () => {
    expect(annotations(gke)).toEqual({ 'iam.gke.io/gcp-service-account': 'transactions-api@cdc8s-prod.iam.gserviceaccount.com' });
  });

  it('minikube has no cloud identity', () => {
    expect(annotations(minikube)).toEqual({});
  });
});

describe('secrets', () => {
  it("EKS and GKE sync every database Secret through an ExternalSecret from its namespace's SecretStore", () => {
    for (const [objects, key] of [
      [eks, 'cdc8s/eks/postgres-app'],
      [gke, 'cdc8s-gke-postgres-app'],
    ] as const) {
      // The Connect build's push Secret comes from a generator, not the store (connect-image-delivery.test.ts).
      const externals = ofKind(objects, 'ExternalSecret').filter((e) => e.spec.secretStoreRef);
      expect(externals.map((e) => `${e.metadata.namespace}/${e.metadata.name}`).sort()).toEqual([
        'cdc-apps/postgres-app',
        'cdc-data/postgres-app',
        'cdc-data/postgres-debezium',
        'cdc-data/postgres-superuser',
      ]);
      for (const e of externals) {
        expect(e.apiVersion).toBe('external-secrets.io/v1');
        expect(e.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'cdc8s-secrets' });
      }
      expect(externals.find((e) => e.metadata.name === 'postgres-app')?.spec.data[0].remoteRef.key).toBe(key);
    }
  });

  it('minikube renders no ExternalSecret (the user applies npm run secrets)', () => {
    expect(ofKind(minikube, 'ExternalSecret')).toEqual([]);
  });
});

describe('everything else is the same pipeline', () => {
  it('every environment runs Postgres and the API under the same names', () => {
    for (const objects of Object.values(all)) {
      expect(named(objects, 'StatefulSet', 'postgres')).toBeDefined();
      expect(named(objects, 'Service', 'postgres').spec.type).toBe('ClusterIP');
      expect(named(objects, 'Deployment', 'transactions-api')).toBeDefined();
    }
  });
});
