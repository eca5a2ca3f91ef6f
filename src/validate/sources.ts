import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { STRIMZI_VERSION } from '../constructs/strimzi';
import { KAFKA_ACCESS_OPERATOR_VERSION } from '../constructs/kafka-access';
import { packageRoot } from '../package-root';

export { STRIMZI_VERSION };

/** The oldest and newest Kubernetes versions cdc8s supports: every built-in object must be valid in both. */
export const KUBERNETES_VERSIONS = ['v1.30.0', 'v1.35.0'] as const;


/** Where the upstream schemas are read from (`--k8s-schemas`, `--crds`). */
export interface SchemaSources {
  /** Directory with `v1.30.0.json` and `v1.35.0.json` (the `_definitions.json` of each version). */
  readonly kubernetesDir: string;
  /** Directory with the Strimzi release's `04*-Crd-*.yaml` files. */
  readonly strimziCrdsDir: string;
  /** Directory with the Kafka Access Operator's CRD (KafkaAccess). */
  readonly kafkaAccessCrdsDir: string;
}

/**
 * Defaults: the `shared` directory beside the repository (as CI lays it out, and as
 * `scripts/fetch-shared.sh` fills it), or `$CDC8S_SHARED_DIR`.
 */
export function defaultSchemaSources(): SchemaSources {
  const shared = sharedDir();
  return {
    kubernetesDir: join(shared, 'schemas', 'kubernetes'),
    strimziCrdsDir: join(shared, 'crds', `strimzi-${STRIMZI_VERSION}`),
    kafkaAccessCrdsDir: join(shared, 'crds', `kafka-access-operator-${KAFKA_ACCESS_OPERATOR_VERSION}`),
  };
}

/** The directory the default schema sources live in: `$CDC8S_SHARED_DIR`, or `shared` beside the repository. */
export function sharedDir(): string {
  return process.env.CDC8S_SHARED_DIR ?? join(packageRoot(), '..', 'shared');
}

/** What to do when a source is missing: one sentence a user can act on. */
export function missingKubernetesSchemas(dir: string): string | undefined {
  const absent = KUBERNETES_VERSIONS.filter((v) => !existsSync(join(dir, `${v}.json`)));
  if (absent.length === 0) return undefined;
  return `Kubernetes JSON schemas not found in ${dir} (${absent.map((v) => `${v}.json`).join(', ')}): run scripts/fetch-shared.sh, ` +
    `or download kubernetes-schemas/<version>/_definitions.json for ${KUBERNETES_VERSIONS.join(' and ')} from github.com/cdk8s-team/cdk8s ` +
    'as <version>.json into that directory (or pass --k8s-schemas <dir>)';
}

export function missingKafkaAccessCrd(dir: string): string | undefined {
  if (existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.yaml'))) return undefined;
  return `Kafka Access Operator ${KAFKA_ACCESS_OPERATOR_VERSION} CRD not found in ${dir}: download packaging/install/040-Crd-kafkaaccess.yaml ` +
    `from github.com/strimzi/kafka-access-operator at tag ${KAFKA_ACCESS_OPERATOR_VERSION} into that directory`;
}

export function missingStrimziCrds(dir: string): string | undefined {
  if (existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.yaml'))) return undefined;
  return `Strimzi ${STRIMZI_VERSION} CRDs not found in ${dir}: run scripts/fetch-shared.sh, or download install/cluster-operator/04*-Crd-*.yaml ` +
    `from github.com/strimzi/strimzi-kafka-operator/releases/tag/${STRIMZI_VERSION} into that directory (or pass --crds <dir>)`;
}
