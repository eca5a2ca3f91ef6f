import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import packageJson from '../../package.json';
import { cacheKey } from '../compiled/code-cache';
/** An object checked by a model's validator; it throws with Ajv-style `errors`. */
interface ModelInstance {
  validate(): void;
}
// A generated model's constructor takes its own interface: `never` accepts every such parameter type.
type ModelClass = new (data: never) => ModelInstance;

/** A model error as @kubernetes-models/validate reports it. */
interface ModelError {
  readonly instancePath: string;
  readonly message?: string;
}

/**
 * Custom resources other than Strimzi's that cdc8s emits, and the npm package whose generated
 * model checks them (types, enums and required fields from the project's CRDs; these models do
 * not reject unknown fields, so the constructs that emit them are typed with the same models'
 * interfaces instead). Loaded only when an object of the kind is present.
 */
const MODELS: Readonly<Record<string, { readonly source: string; readonly load: () => Promise<ModelClass> }>> = {
  'external-secrets.io/v1/ExternalSecret': {
    source: '@kubernetes-models/external-secrets',
    load: async () => (await import('@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret')).ExternalSecret,
  },
  'external-secrets.io/v1/SecretStore': {
    source: '@kubernetes-models/external-secrets',
    load: async () => (await import('@kubernetes-models/external-secrets/external-secrets.io/v1/SecretStore')).SecretStore,
  },
  'generators.external-secrets.io/v1alpha1/ECRAuthorizationToken': {
    source: '@kubernetes-models/external-secrets',
    load: async () => (await import('@kubernetes-models/external-secrets/generators.external-secrets.io/v1alpha1/ECRAuthorizationToken')).ECRAuthorizationToken,
  },
  'generators.external-secrets.io/v1alpha1/GCRAccessToken': {
    source: '@kubernetes-models/external-secrets',
    load: async () => (await import('@kubernetes-models/external-secrets/generators.external-secrets.io/v1alpha1/GCRAccessToken')).GCRAccessToken,
  },
  'gateway.networking.k8s.io/v1/Gateway': {
    source: '@kubernetes-models/gateway-api',
    load: async () => (await import('@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway')).Gateway,
  },
  'gateway.networking.k8s.io/v1/HTTPRoute': {
    source: '@kubernetes-models/gateway-api',
    load: async () => (await import('@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute')).HTTPRoute,
  },
  'networking.gke.io/v1/HealthCheckPolicy': {
    source: '@kubernetes-models/gke',
    load: async () => (await import('@kubernetes-models/gke/networking.gke.io/v1/HealthCheckPolicy')).HealthCheckPolicy,
  },
  'networking.gke.io/v1/GCPGatewayPolicy': {
    source: '@kubernetes-models/gke',
    load: async () => (await import('@kubernetes-models/gke/networking.gke.io/v1/GCPGatewayPolicy')).GCPGatewayPolicy,
  },
  'argoproj.io/v1alpha1/Application': {
    source: '@kubernetes-models/argo-cd',
    load: async () => (await import('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application')).Application,
  },
  'argoproj.io/v1alpha1/AppProject': {
    source: '@kubernetes-models/argo-cd',
    load: async () => (await import('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject')).AppProject,
  },
};

export type ModelValidator = (object: unknown) => ModelError[];

/** The npm package that validates an apiVersion/kind, if any. */
export function modelSourceFor(apiVersion: string, kind: string): string | undefined {
  return MODELS[`${apiVersion}/${kind}`]?.source;
}

/** Loads the validator of an apiVersion/kind (undefined when no model covers it). */
export async function loadModelValidator(apiVersion: string, kind: string): Promise<ModelValidator | undefined> {
  const model = MODELS[`${apiVersion}/${kind}`];
  if (!model) return undefined;
  const Model = await model.load();
  return (object) => {
    try {
      new Model(object as never).validate();
      return [];
    } catch (error) {
      const errors = (error as { errors?: ModelError[] }).errors;
      if (!errors) throw error;
      return errors;
    }
  };
}

/**
 * Objects a model has found valid before, remembered by a digest of the object and of the pinned
 * model packages: a synth of unchanged custom resources loads no model at all (loading one costs
 * tens of milliseconds in Node's ES module loader). Only passes are remembered, so a problem is
 * reported on every run; deleting the directory only costs time.
 */
export class ModelPasses {
  constructor(private readonly dir: string | undefined) {}

  has(object: unknown): boolean {
    return this.dir !== undefined && existsSync(join(this.dir, passKey(object)));
  }

  remember(object: unknown): void {
    if (this.dir === undefined) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(join(this.dir, passKey(object)), '');
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}

/** The pinned model packages (with every other dependency): a new model version checks everything again. */
const MODEL_PACKAGES = JSON.stringify(packageJson.dependencies);

function passKey(object: unknown): string {
  return cacheKey('model-pass', MODEL_PACKAGES, JSON.stringify(object));
}
