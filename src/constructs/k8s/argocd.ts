// Types only (erased at compile time): the Argo CD models make a misspelt field a compile error.
import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** A group/kind pair as Argo CD's AppProject whitelists and ignoreDifferences take it. */
export interface GroupKind {
  /** API group; `` for the core group. */
  readonly group: string;
  readonly kind: string;
}

/** One object of a group/kind by name (AppProject clusterResourceWhitelist, Argo CD 3.x). */
export interface NamedGroupKind extends GroupKind {
  readonly name: string;
}

export interface ArgoCdProjectProps {
  readonly name: string;
  /** Namespace Argo CD runs in. */
  readonly namespace: string;
  readonly description: string;
  /** The only Git repository the project's Applications may sync from. */
  readonly sourceRepo: string;
  /** Cluster the Applications deploy to. */
  readonly destinationServer: string;
  /** The only namespaces the Applications may deploy into. */
  readonly destinationNamespaces: readonly string[];
  /**
   * Cluster-scoped objects the Applications may manage, each by name: Argo CD checks destinations
   * only for namespaced objects, so a kind alone would let a commit create or relabel any
   * Namespace (Pod Security) or PersistentVolume. Nothing else cluster-wide.
   */
  readonly clusterResources: readonly NamedGroupKind[];
  /** Namespaced kinds the Applications may create; nothing else (no RoleBinding to cluster-admin by accident). */
  readonly namespacedResources: readonly GroupKind[];
  readonly labels?: Record<string, string>;
}

/**
 * An Argo CD AppProject (argoproj.io/v1alpha1) that confines an Application to one repository,
 * one cluster, the listed namespaces and the listed kinds: least privilege for what syncs from Git.
 */
export class ArgoCdProject extends ApiObject {
  readonly projectName: string;

  constructor(scope: Construct, id: string, props: ArgoCdProjectProps) {
    const spec: IAppProject['spec'] = {
      description: props.description,
      sourceRepos: [props.sourceRepo],
      destinations: props.destinationNamespaces.map((namespace) => ({ server: props.destinationServer, namespace })),
      // The models (@kubernetes-models/argo-cd 2.7.2) predate `name`; Argo CD 3.5.1's CRD has it.
      clusterResourceWhitelist: props.clusterResources.map(({ group, kind, name }) => ({ group, kind, name }) as { group: string; kind: string }),
      namespaceResourceWhitelist: props.namespacedResources.map(({ group, kind }) => ({ group, kind })),
    };
    super(scope, id, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec,
    });
    this.projectName = props.name;
  }
}

/** Fields Argo CD leaves out of its diff because a controller in the cluster owns them. */
export interface IgnoredDifference extends GroupKind {
  /** jq path expressions of the fields, e.g. `.spec.data[].remoteRef.conversionStrategy`. */
  readonly jqPathExpressions: readonly string[];
}

export interface ArgoCdApplicationProps {
  readonly name: string;
  /** Namespace Argo CD runs in. */
  readonly namespace: string;
  readonly project: ArgoCdProject;
  readonly repoURL: string;
  readonly targetRevision: string;
  /** Directory of plain manifests in the repository. */
  readonly path: string;
  readonly destinationServer: string;
  /** Namespace for objects without one (all of ours carry their own). */
  readonly destinationNamespace: string;
  /**
   * Sync on every commit, prune what Git no longer has and undo drift; otherwise manual.
   * @default true
   */
  readonly automated?: boolean;
  readonly ignoreDifferences?: readonly IgnoredDifference[];
  readonly labels?: Record<string, string>;
}

/**
 * An Argo CD Application (argoproj.io/v1alpha1) syncing a directory of plain manifests.
 * Server-side apply and server-side diff: the API server merges with what operators write and
 * applies CRD defaults before Argo CD compares, so a healthy cluster shows Synced.
 */
export class ArgoCdApplication extends ApiObject {
  constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    const spec: IApplication['spec'] = {
      project: props.project.projectName,
      source: { repoURL: props.repoURL, targetRevision: props.targetRevision, path: props.path, directory: { recurse: false } },
      destination: { server: props.destinationServer, namespace: props.destinationNamespace },
      syncPolicy: {
        ...((props.automated ?? true) ? { automated: { prune: true, selfHeal: true } } : {}),
        syncOptions: [
          // Field ownership instead of a last-applied annotation: large CRs fit and operators' fields survive.
          'ServerSideApply=true',
          // A sync must not reset the fields ignoreDifferences hands to controllers.
          'RespectIgnoreDifferences=true',
          // Deletions after everything new is healthy.
          'PruneLast=true',
          // Never take over an object another Application manages.
          'FailOnSharedResource=true',
        ],
        // Strimzi needs minutes to roll a cluster; later waves retry instead of failing the sync.
        retry: { limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } },
      },
      ...(props.ignoreDifferences?.length
        ? { ignoreDifferences: props.ignoreDifferences.map((d) => ({ group: d.group, kind: d.kind, jqPathExpressions: [...d.jqPathExpressions] })) }
        : {}),
    };
    super(scope, id, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: props.labels,
        // Argo CD ≥ 2.10: diff against a server-side dry run (defaults and webhooks applied).
        annotations: { 'argocd.argoproj.io/compare-options': 'ServerSideDiff=true' },
      },
      spec,
    });
  }
}
