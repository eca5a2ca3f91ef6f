import { describe, expect, it } from 'vitest';
import { diffTrees, formatDiff, replacementsNeeded } from '../src/diff/object-diff';
import { quantityBytes, StorageSpec, storageRefusals } from '../src/diff/immutable-fields';
import { writeAtomically } from '../src/output/write';
import { copyOfDist, diffVariantCli, RawConfig, renderVariant } from './helpers';

/**
 * npm run diff marks what a live cluster refuses in place. Which fields those are is proven
 * against a real API server in e2e/scenarios/upgrades.e2e.ts; here: that config changes reach
 * the marks, the hints and the exit code.
 */
function diffOf(env: 'minikube' | 'eks' | 'gke', change: (c: RawConfig) => void) {
  const [before, after] = [copyOfDist(), copyOfDist()];
  const variant = renderVariant(env, change);
  writeAtomically(after, variant.files, variant.units);
  return diffTrees(before, after, [env]);
}

describe('npm run diff: changes a live cluster cannot make in place are marked needs replacement', () => {
  it('a smaller Postgres volume: the claim never shrinks', () => {
    const diff = diffOf('eks', (c) => {
      c.postgres.storage.size = '150Gi';
    });
    expect(replacementsNeeded(diff)).toEqual(['eks: PersistentVolumeClaim cdc-data/postgres-data: spec.resources.requests.storage']);
    const lines = formatDiff(diff);
    const at = lines.indexOf('eks: PersistentVolumeClaim cdc-data/postgres-data: spec.resources.requests.storage 200Gi → 150Gi');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]).toMatch(/^ {4}needs replacement: a claim never shrinks .*\. Hint: create a claim under a new name, copy the data/);
  });

  it("another GKE disk type: the StorageClass's parameters are immutable, and existing claims keep their disks (the hint says so)", () => {
    const diff = diffOf('gke', (c) => {
      c.gke.storageClass = 'standard-rwo';
    });
    expect(replacementsNeeded(diff)).toEqual(['gke: StorageClass cdc8s-pd: parameters.type']);
    expect(formatDiff(diff).join('\n')).toMatch(
      /needs replacement: a StorageClass's parameters, provisioner, reclaimPolicy and volumeBindingMode are immutable\. Hint: delete the StorageClass and apply it again .*each existing claim keeps a volume made with the old ones/,
    );
  });

  it('a larger Postgres volume: allowed on EKS (expandable class), refused on minikube (statically bound)', () => {
    expect(
      replacementsNeeded(
        diffOf('eks', (c) => {
          c.postgres.storage.size = '400Gi';
        }),
      ),
    ).toEqual([]);
    expect(
      replacementsNeeded(
        diffOf('minikube', (c) => {
          c.postgres.storage.size = '50Gi';
        }),
      ),
    ).toEqual(['minikube: PersistentVolumeClaim cdc-data/postgres-data: spec.resources.requests.storage']);
  });

  it("smaller broker volumes: Strimzi ignores the pool's storage change; larger ones pass", () => {
    const shrink = diffOf('eks', (c) => {
      c.kafka.brokers.storage.size = '100Gi';
    });
    expect(replacementsNeeded(shrink)).toEqual(['eks: KafkaNodePool cdc-streaming/broker: spec.storage.volumes[0].size']);
    expect(formatDiff(shrink).join('\n')).toContain('Strimzi ignores all storage changes of the pool when one is not allowed (volume 0: shrinks size 500Gi → 100Gi)');
    expect(
      replacementsNeeded(
        diffOf('eks', (c) => {
          c.kafka.brokers.storage.size = '1000Gi';
        }),
      ),
    ).toEqual([]);
  });

  it('changes that are not replacements carry no mark (replicas, images, resources)', () => {
    const diff = diffOf('eks', (c) => {
      c.api.replicas = 4;
      c.connect.replicas = 3;
      c.consumers[0].resources.limits.memory = '1Gi';
    });
    expect(diff.objects.length).toBeGreaterThanOrEqual(3);
    expect(replacementsNeeded(diff)).toEqual([]);
  });

  it("follows Strimzi 1.2.0's StorageDiff: deleteClaim, kraftMetadata and added JBOD volumes pass; type and class changes do not", () => {
    const pvc = (extra: StorageSpec) => ({ type: 'persistent-claim', size: '10Gi', class: 'a', deleteClaim: false, ...extra });
    const jbod = (...volumes: StorageSpec[]) => ({ type: 'jbod', volumes });
    expect(storageRefusals(jbod({ id: 0, ...pvc({}) }), jbod({ id: 0, ...pvc({ deleteClaim: true, kraftMetadata: 'shared' }) }, { id: 1, ...pvc({}) }))).toEqual([]);
    expect(storageRefusals(jbod({ id: 0, ...pvc({}) }), jbod({ id: 0, ...pvc({ class: 'b' }) }))).toEqual(['volume 0: changes class']);
    expect(storageRefusals(pvc({}), { type: 'ephemeral' })).toEqual(['changes type persistent-claim → ephemeral']);
    expect(quantityBytes('1Gi')).toBe(2 ** 30);
    expect(quantityBytes('500M')).toBe(5e8);
  });

  it('npm run diff exits 3 and lists the fields to replace', () => {
    const result = diffVariantCli('eks', (c) => {
      c.postgres.storage.size = '150Gi';
    });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('1 change(s) need replacement');
    expect(result.stderr).toContain('eks: PersistentVolumeClaim cdc-data/postgres-data: spec.resources.requests.storage');
  });
});
