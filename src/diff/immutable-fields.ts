import type { FieldChange } from './object-diff';
import { apiGroupOf, RenderedObject } from '../model/rendered-object';

/**
 * Changes a live cluster refuses to make in place: the Kubernetes API server rejects an update
 * of an immutable field (or, for a Service's address, keeps the old value), and Strimzi ignores
 * a node pool's storage change it does not allow. `npm run diff` marks each such field `needs
 * replacement` with how to do it by hand. e2e/scenarios/upgrades.e2e.ts checks every rule
 * against a real API server.
 */
export interface Replacement {
  /** What refuses the change, and why. */
  readonly reason: string;
  /** How to make the change anyway. */
  readonly hint: string;
}

type Json = FieldChange['before'];

interface ImmutableRule {
  readonly group: string;
  readonly kind: string;
  /** Why this field change is refused, or undefined when it can be made in place. */
  readonly refuses: (change: FieldChange, before: RenderedObject, after: RenderedObject) => string | undefined;
  readonly hint: string;
}

/**
 * Storage classes we do not render whose upstream manifest has no allowVolumeExpansion: minikube's
 * storage-provisioner addon class `standard` (hostPath volumes cannot grow). Ours (retained-storage-class.ts) allow it.
 */
const NON_EXPANDING_CLASSES: readonly string[] = ['standard'];

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/** apps/v1 ValidateStatefulSetUpdate: everything else in spec is forbidden. */
const STATEFULSET_MUTABLE = ['spec.replicas', 'spec.template', 'spec.updateStrategy', 'spec.persistentVolumeClaimRetentionPolicy', 'spec.minReadySeconds', 'spec.ordinals'];

/** What the API server fills in when a field is left out: removing a field that held its default changes nothing stored. */
const SERVER_DEFAULTS: Readonly<Record<string, Json>> = {
  'spec.podManagementPolicy': 'OrderedReady',
  'spec.revisionHistoryLimit': 10,
  'roleRef.apiGroup': 'rbac.authorization.k8s.io',
};
const toDefault = ({ path, before, after }: FieldChange) => after === undefined && path in SERVER_DEFAULTS && JSON.stringify(before) === JSON.stringify(SERVER_DEFAULTS[path]);

/**
 * A pod template's serviceAccountName, once set, cannot be removed: the server fills it back in from
 * the deprecated serviceAccount field it defaulted alongside.
 */
const SERVICE_ACCOUNT = 'spec.template.spec.serviceAccountName';
const serviceAccountRule = (kind: string): ImmutableRule => ({
  group: 'apps',
  kind,
  refuses: ({ path, after }) =>
    path === SERVICE_ACCOUNT && after === undefined
      ? "a pod template's serviceAccountName cannot be removed: the server restores it from the deprecated serviceAccount field"
      : undefined,
  hint: 'set serviceAccountName: default (or another account) instead of leaving it out',
});

/** core/v1 PersistentVolumeSource: the volume plugins a PV can name; the source is immutable after creation. */
const PV_SOURCES = [
  'hostPath',
  'local',
  'csi',
  'nfs',
  'iscsi',
  'fc',
  'awsElasticBlockStore',
  'gcePersistentDisk',
  'azureDisk',
  'azureFile',
  'cephfs',
  'cinder',
  'flexVolume',
  'flocker',
  'glusterfs',
  'photonPersistentDisk',
  'portworxVolume',
  'quobyte',
  'rbd',
  'scaleIO',
  'storageos',
  'vsphereVolume',
];

const RULES: readonly ImmutableRule[] = [
  serviceAccountRule('StatefulSet'),
  serviceAccountRule('Deployment'),
  {
    group: 'apps',
    kind: 'StatefulSet',
    refuses: (change) =>
      under(change.path, 'spec') && !STATEFULSET_MUTABLE.some((p) => under(change.path, p)) && !toDefault(change)
        ? 'the API server updates only replicas, template, updateStrategy, persistentVolumeClaimRetentionPolicy, minReadySeconds and ordinals of a StatefulSet'
        : undefined,
    hint: 'delete the StatefulSet with --cascade=orphan (its pods and claims stay), then apply: the new one adopts them; claims it already made keep their old template and the volumes made with it',
  },
  {
    group: 'apps',
    kind: 'Deployment',
    refuses: ({ path }) => (under(path, 'spec.selector') ? "a Deployment's selector is immutable (apps/v1)" : undefined),
    hint: 'delete the Deployment, then apply (its pods are replaced at once); or roll out the new one under another name and delete the old one',
  },
  {
    group: '',
    kind: 'PersistentVolumeClaim',
    // The API server's PersistentVolumeClaimResize admission refuses growth unless the claim's
    // StorageClass sets allowVolumeExpansion (the upgrades e2e proves it).
    refuses: ({ path, before, after }, _old, next) => {
      if (path === 'spec.resources.requests.storage') {
        if (quantityBytes(after) < quantityBytes(before)) return 'a claim never shrinks (spec.resources.requests.storage cannot be less than its capacity)';
        const storageClass = next.spec?.storageClassName;
        if (storageClass === '') return 'a statically bound claim (storageClassName "") cannot be resized';
        return NON_EXPANDING_CLASSES.includes(storageClass) ? `storage class ${storageClass} does not allow volume expansion` : undefined;
      }
      return under(path, 'spec') && !under(path, 'spec.volumeAttributesClassName')
        ? "a claim's spec is immutable after creation except resources.requests and volumeAttributesClassName"
        : undefined;
    },
    hint: 'create a claim under a new name, copy the data into it (or restore a backup), point the workload at it, then delete the old claim',
  },
  {
    group: '',
    kind: 'PersistentVolume',
    refuses: ({ path, before }) => {
      if (PV_SOURCES.some((source) => under(path, `spec.${source}`))) return "a PersistentVolume's volume source is immutable after creation";
      if (under(path, 'spec.volumeMode')) return "a PersistentVolume's volumeMode is immutable";
      return under(path, 'spec.nodeAffinity') && before !== undefined ? "a PersistentVolume's nodeAffinity is immutable once set" : undefined;
    },
    hint: "with the claim's workload stopped, delete the claim and the volume (reclaimPolicy Retain keeps the data on the disk), then apply both",
  },
  {
    group: '',
    kind: 'Service',
    refuses: ({ path }) =>
      path === 'spec.clusterIP' || under(path, 'spec.clusterIPs')
        ? 'a Service keeps its cluster IP (or being headless) for life: the API server refuses a new one and keeps the old one when the field is removed'
        : undefined,
    hint: 'delete the Service, then apply: it gets a new address (clients that resolve it by name follow)',
  },
  {
    group: '',
    kind: 'Service',
    refuses: ({ path, after }) =>
      /^spec\.ports\[[^\]]+\]\.nodePort$/.test(path) && after === undefined ? 'a node port left out is not released: the API server keeps the one the Service has' : undefined,
    hint: 'set the node port you want explicitly; or delete the Service and apply, and it gets a random one',
  },
  {
    group: 'storage.k8s.io',
    kind: 'StorageClass',
    // storage/v1 ValidateStorageClassUpdate: parameters, provisioner, reclaimPolicy and volumeBindingMode.
    refuses: ({ path }) =>
      ['parameters', 'provisioner', 'reclaimPolicy', 'volumeBindingMode'].some((field) => under(path, field))
        ? "a StorageClass's parameters, provisioner, reclaimPolicy and volumeBindingMode are immutable"
        : undefined,
    hint: 'delete the StorageClass and apply it again (claims and volumes stay): only claims made afterwards get the new settings; each existing claim keeps a volume made with the old ones until its data moves to a new claim',
  },
  ...['RoleBinding', 'ClusterRoleBinding'].map((kind) => ({
    group: 'rbac.authorization.k8s.io',
    kind,
    refuses: (change: FieldChange) => (under(change.path, 'roleRef') && !toDefault(change) ? `a ${kind}'s roleRef is immutable (rbac/v1)` : undefined),
    hint: `delete the ${kind}, then apply (the grant is missing in between)`,
  })),
  {
    group: 'kafka.strimzi.io',
    kind: 'KafkaNodePool',
    refuses: ({ path }, before, after) => {
      if (under(path, 'spec.roles')) return "Strimzi cannot change a node pool's roles";
      if (!under(path, 'spec.storage')) return undefined;
      const refused = storageRefusals(before.spec?.storage, after.spec?.storage);
      // Strimzi 1.2.0 KafkaPool/StorageDiff: one refused change and it ignores every storage change of the pool.
      return refused.length > 0 ? `Strimzi ignores all storage changes of the pool when one is not allowed (${refused.join('; ')})` : undefined;
    },
    hint: 'add a node pool with the new storage, move the partitions off the old one (KafkaRebalance mode remove-brokers), then remove the old pool',
  },
];

/** Why a change of this field cannot be made in place, with a hint; undefined when it can. */
export function replacementFor(change: FieldChange, before: RenderedObject, after: RenderedObject): Replacement | undefined {
  for (const rule of RULES.filter((r) => r.group === apiGroupOf(before.apiVersion) && r.kind === before.kind)) {
    const reason = rule.refuses(change, before, after);
    if (reason) return { reason, hint: rule.hint };
  }
  return undefined;
}

/**
 * What Strimzi 1.2.0 refuses between two storage specs (cluster-operator StorageDiff): it allows
 * only deleteClaim, kraftMetadata and volumeAttributesClass changes, adding or removing JBOD
 * volumes, and growing a persistent claim.
 */
export function storageRefusals(before: StorageSpec | undefined, after: StorageSpec | undefined): string[] {
  if (before?.type === 'jbod' && after?.type === 'jbod') {
    const byId = (volumes: readonly StorageSpec[] = []) => new Map(volumes.map((v) => [v.id, v]));
    const [old, next] = [byId(before.volumes), byId(after.volumes)];
    return [...old.keys()].filter((id) => next.has(id)).flatMap((id) => volumeRefusals(old.get(id), next.get(id)).map((r) => `volume ${id}: ${r}`));
  }
  return volumeRefusals(before, after);
}

const STORAGE_CHANGES_ALLOWED = new Set(['id', 'deleteClaim', 'kraftMetadata', 'volumeAttributesClass']);

/** A Strimzi storage spec (or one JBOD volume of it), as rendered. */
export interface StorageSpec {
  readonly type?: string;
  readonly id?: number;
  readonly size?: string;
  readonly volumes?: readonly StorageSpec[];
  readonly [field: string]: unknown;
}

function volumeRefusals(before: StorageSpec = {}, after: StorageSpec = {}): string[] {
  if (before.type !== after.type) return [`changes type ${before.type} → ${after.type}`];
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].sort().flatMap((key) => {
    if (STORAGE_CHANGES_ALLOWED.has(key) || JSON.stringify(before[key]) === JSON.stringify(after[key])) return [];
    if (key === 'size' && before.type === 'persistent-claim') {
      return quantityBytes(after.size) < quantityBytes(before.size) ? [`shrinks size ${before.size} → ${after.size}`] : [];
    }
    return [`changes ${key}`];
  });
}

const QUANTITY_SUFFIXES: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

/** A Kubernetes quantity (`10Gi`, `500M`, `1.5Ti`) in bytes; NaN when it is not one. */
export function quantityBytes(quantity: Json | undefined): number {
  const match = typeof quantity === 'string' ? /^(\d+(?:\.\d+)?)([kMGTP]i?|Ki)?$/.exec(quantity) : null;
  if (!match) return typeof quantity === 'number' ? quantity : Number.NaN;
  return Number(match[1]) * QUANTITY_SUFFIXES[match[2] ?? ''];
}
