import { ErrorObject, ValidateFunction } from 'ajv';
import { isCustomResource } from '../model/apply-order';
import { KubernetesSchemas } from './kubernetes';
import { loadModelValidator, ModelPasses, ModelValidator, modelSourceFor } from './models';
import { sharedCodeCache } from '../compiled/code-cache';
import { join } from 'node:path';
import {
  KUBERNETES_VERSIONS,
  missingCertManagerCrds,
  missingKafkaAccessCrd,
  missingKubernetesSchemas,
  missingPrometheusOperatorCrds,
  missingStrimziCrds,
  SchemaSources,
  STRIMZI_VERSION,
} from './sources';
import { StrimziSchemas } from './strimzi';
import { CERT_MANAGER_VERSION, KAFKA_ACCESS_OPERATOR_VERSION, PROMETHEUS_OPERATOR_VERSION } from '../model/versions';
import { apiGroupOf, describe, RenderedObject } from '../model/rendered-object';

export { acquireSchemaSources, defaultSchemaSources, downloadCacheDir, KUBERNETES_VERSIONS, sharedDir, STRIMZI_VERSION } from './sources';
export type { AcquiredSources, SchemaSources } from './sources';
export { IntegrityError } from './upstream';

/** Objects of one output file (or input file), as parsed or rendered. */
export interface ObjectDocument {
  /** Where the objects are (or will be) written, e.g. `dist/eks/20-kafka.yaml`. */
  readonly where: string;
  readonly objects: readonly RenderedObject[];
}

/** One schema violation: the file, the object, the JSON path and what the schema says. */
export interface SchemaProblem {
  readonly where: string;
  /** `Kind namespace/name` */
  readonly object: string;
  readonly path: string;
  readonly message: string;
  /** The schema that rejected it, e.g. `Kubernetes v1.30.0` or `Strimzi 1.2.0 CRD`. */
  readonly against: string;
}

export interface ValidationReport {
  readonly objectCount: number;
  /** Schema source → number of objects it checked. */
  readonly checked: ReadonlyMap<string, number>;
  readonly problems: readonly SchemaProblem[];
  /** `apiVersion Kind` → why it was not checked. */
  readonly notValidated: ReadonlyMap<string, string>;
  /** What to download for each schema source that is missing. */
  readonly missingSources: readonly string[];
}

/** A schema source is missing where it must not be (CI, or the user asked for strictness). */
export class MissingSchemaError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(missing.map((m) => `validate: ${m}`).join('\n'));
    this.name = 'MissingSchemaError';
  }
}

const KUBERNETES_SOURCE = `Kubernetes ${KUBERNETES_VERSIONS.join(' + ')} (strict)`;
const STRIMZI_SOURCE = `Strimzi ${STRIMZI_VERSION} CRDs (strict)`;

/** A group of custom resources and the CRDs that decide them. */
interface CrdSource {
  readonly group: string;
  /** The SchemaSources field naming the CRDs' directory. */
  readonly dir: keyof SchemaSources;
  /** What to download when the directory is missing (undefined when present). */
  readonly missing: (dir: string) => string | undefined;
  /** How a report names what checked an object. */
  readonly source: string;
  /** The release, in "not served by …". */
  readonly project: string;
  /** The CRDs, in "… missing". */
  readonly what: string;
}

/**
 * The custom resource groups validated against their project's CRDs (all controller-gen or
 * Strimzi-generated structural schemas: one CRD validator serves them, unknown fields refused).
 */
const CRD_SOURCES: readonly CrdSource[] = [
  { group: 'kafka.strimzi.io', dir: 'strimziCrdsDir', missing: missingStrimziCrds, source: STRIMZI_SOURCE, project: `Strimzi ${STRIMZI_VERSION}`, what: 'Strimzi CRDs' },
  {
    group: 'access.strimzi.io',
    dir: 'kafkaAccessCrdsDir',
    missing: missingKafkaAccessCrd,
    source: `Kafka Access Operator ${KAFKA_ACCESS_OPERATOR_VERSION} CRD (strict)`,
    project: `the Kafka Access Operator ${KAFKA_ACCESS_OPERATOR_VERSION}`,
    what: 'Kafka Access Operator CRD',
  },
  {
    group: 'cert-manager.io',
    dir: 'certManagerCrdsDir',
    missing: missingCertManagerCrds,
    source: `cert-manager ${CERT_MANAGER_VERSION} CRDs (strict)`,
    project: `cert-manager ${CERT_MANAGER_VERSION}`,
    what: 'cert-manager CRDs',
  },
  {
    group: 'monitoring.coreos.com',
    dir: 'prometheusOperatorCrdsDir',
    missing: missingPrometheusOperatorCrds,
    source: `Prometheus Operator ${PROMETHEUS_OPERATOR_VERSION} CRDs (strict)`,
    project: `the Prometheus Operator ${PROMETHEUS_OPERATOR_VERSION}`,
    what: 'Prometheus Operator CRDs',
  },
];

/**
 * Checks every object against the upstream schema for its kind: built-in objects against the
 * Kubernetes JSON schemas of the oldest and newest supported versions, Strimzi objects against
 * the Strimzi CRDs (both rejecting unknown fields, as `kubectl --validate=strict` does), other
 * custom resources against their npm models. A missing source is an error when `requireSources`
 * (CI); otherwise its kinds are reported as not validated.
 */
export async function validateDocuments(documents: readonly ObjectDocument[], sources: SchemaSources, options: { readonly requireSources: boolean }): Promise<ValidationReport> {
  const kubernetesMissing = missingKubernetesSchemas(sources.kubernetesDir);
  const crdMissing = CRD_SOURCES.map((c) => c.missing(sources[c.dir]));
  const missingSources = [kubernetesMissing, ...crdMissing].filter((m): m is string => m !== undefined);
  if (missingSources.length > 0 && options.requireSources) throw new MissingSchemaError(missingSources);
  const kubernetes = kubernetesMissing ? [] : KUBERNETES_VERSIONS.map((v) => new KubernetesSchemas(v, sources.kubernetesDir));
  // Each group's CRDs, when present.
  const crds = new Map(CRD_SOURCES.map((c, i) => [c.group, { ...c, schemas: crdMissing[i] ? undefined : new StrimziSchemas(sources[c.dir]) }]));
  const codeDir = sharedCodeCache().dir;
  const passes = new ModelPasses(codeDir === undefined ? undefined : join(codeDir, 'model-passes'));
  // Custom resources a model passed before: their models need not even be loaded.
  const passed = new Set(documents.flatMap((d) => d.objects).filter((o) => modelSourceFor(o.apiVersion, o.kind) !== undefined && passes.has(o)));
  const models = await loadModels(documents, passed);

  const checked = new Map<string, number>();
  const count = (source: string) => checked.set(source, (checked.get(source) ?? 0) + 1);
  const problems: SchemaProblem[] = [];
  const notValidated = new Map<string, string>();
  let objectCount = 0;

  for (const { where, objects } of documents) {
    for (const object of objects) {
      objectCount++;
      const type = `${object.apiVersion} ${object.kind}`;
      const report = (against: string, found: readonly { path: string; message: string }[]) =>
        problems.push(...found.map((p) => ({ where, object: describe(object), ...p, against })));

      if (isCustomResource(object.apiVersion)) {
        for (const schemas of kubernetes) {
          const metadata = schemas.metadataValidator();
          if (!metadata(object.metadata ?? {}))
            report(
              `Kubernetes ${schemas.version} ObjectMeta`,
              (metadata.errors ?? []).map(describeError).map((p) => ({ ...p, path: `/metadata${p.path === '/' ? '' : p.path}` })),
            );
        }
      }
      const crd = crds.get(apiGroupOf(object.apiVersion));
      if (crd) {
        if (!crd.schemas) notValidated.set(type, `${crd.what} missing`);
        else {
          count(crd.source);
          report(crd.source, ajvProblems(crd.schemas.validatorFor(object.apiVersion, object.kind), object, `not served by ${crd.project}`));
        }
      } else if (!isCustomResource(object.apiVersion)) {
        if (kubernetes.length === 0) notValidated.set(type, 'Kubernetes schemas missing');
        else {
          count(KUBERNETES_SOURCE);
          for (const schemas of kubernetes) {
            report(`Kubernetes ${schemas.version}`, ajvProblems(schemas.validatorFor(object.apiVersion, object.kind), object, `not served by Kubernetes ${schemas.version}`));
          }
        }
      } else {
        const model = models.get(typeKey(object));
        const source = modelSourceFor(object.apiVersion, object.kind);
        if (passed.has(object)) count(`${source} (model)`);
        else if (!model) notValidated.set(type, 'no schema available');
        else {
          count(`${source} (model)`);
          const errors = model(object);
          if (errors.length === 0) passes.remember(object);
          report(
            `${source}`,
            errors.map((e) => ({ path: e.instancePath || '/', message: e.message ?? 'is invalid' })),
          );
        }
      }
    }
  }
  return { objectCount, checked, problems, notValidated, missingSources };
}

/** One line per problem; a summary of what was checked against what, and what was not. */
export function formatReport(report: ValidationReport): { problems: string[]; summary: string[] } {
  const problems = report.problems.map((p) => `${p.where}: ${p.object}: ${p.path} ${p.message} (${p.against})`);
  const checked = [...report.checked].map(([source, n]) => `${n} against ${source}`).join(', ');
  const notValidated = [...report.notValidated].map(([type, why]) => `${type} (${why})`).join(', ');
  return {
    problems,
    summary: [
      `validate: ${report.objectCount} objects, ${new Set(report.problems.map((p) => `${p.where} ${p.object}`)).size} invalid: ${checked || 'nothing checked'}`,
      `validate: not validated: ${notValidated || 'none'}`,
      ...report.missingSources.map((m) => `validate: warning: ${m}`),
    ],
  };
}

/**
 * The model of each custom resource type with an object no model has passed before, each loaded
 * once, all at the same time (they are ES modules: file reads overlap).
 */
async function loadModels(documents: readonly ObjectDocument[], passed: ReadonlySet<RenderedObject>): Promise<Map<string, ModelValidator>> {
  const types = new Map<string, RenderedObject>();
  for (const object of documents.flatMap((d) => d.objects)) {
    if (isCustomResource(object.apiVersion) && !passed.has(object)) types.set(typeKey(object), object);
  }
  const loaded = await Promise.all([...types].map(async ([key, { apiVersion, kind }]) => [key, await loadModelValidator(apiVersion, kind)] as const));
  return new Map(loaded.filter((entry): entry is readonly [string, ModelValidator] => entry[1] !== undefined));
}

function ajvProblems(validate: ValidateFunction | undefined, object: RenderedObject, unserved: string): { path: string; message: string }[] {
  if (!validate) return [{ path: '/', message: `${object.apiVersion} ${object.kind} is ${unserved}` }];
  return validate(object) ? [] : (validate.errors ?? []).map(describeError);
}

function describeError(error: ErrorObject): { path: string; message: string } {
  if (error.keyword === 'additionalProperties') {
    const field = (error.params as { additionalProperty: string }).additionalProperty;
    return { path: `${error.instancePath}/${field}`, message: 'is not a known field' };
  }
  return { path: error.instancePath || '/', message: error.message ?? `breaks ${error.keyword}` };
}

function typeKey(object: RenderedObject): string {
  return `${object.apiVersion}/${object.kind}`;
}
