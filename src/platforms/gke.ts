import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ConfigIssue, EnvironmentConfig, GkeSettings } from '../model/config';
import { GkeGateway } from '../constructs/cloud/gke-gateway';
import { SECRET_READER_SERVICE_ACCOUNT } from '../constructs/cloud/namespaced-secret-store';
import { HttpBackend } from '../constructs/k8s/http-exposure';
import { registryHost } from '../constructs/k8s/image';
import { dnsFlows, HTTPS_EXCEPT_METADATA, KUBE_DNS_PODS, NetworkFlow } from '../constructs/k8s/network-policy';
import { RegistryTokenGenerator } from '../constructs/cloud/registry-push-secret';
import { RetainedStorageClass } from '../constructs/k8s/retained-storage-class';
import { ManagedCloudPlatform } from './cloud';
import { ClaimStorage, IdentityWorkload, kubernetesApiFlow } from './platform';
import { BackupRepository } from '../model/backup-repository';

/** Name of the StorageClass cdc8s creates on GKE. */
export const GKE_STORAGE_CLASS = 'cdc8s-pd';

/** The Persistent Disk type behind each of GKE's built-in classes (cloud.google.com/kubernetes-engine/docs/how-to/persistent-volumes/gce-pd-csi-driver). */
const GKE_DISK_TYPES: Record<GkeSettings['storageClass'], string> = { 'premium-rwo': 'pd-ssd', 'standard-rwo': 'pd-balanced' };

/**
 * Google GKE: Persistent Disks of the type GKE's `premium-rwo`/`standard-rwo` use, in a class that
 * retains them, Gateway API for exposure, Workload Identity and GCP Secret Manager through
 * External Secrets.
 */
export class GkePlatform extends ManagedCloudPlatform {
  readonly name = 'gke' as const;
  readonly networkPolicyEnforcement = 'NetworkPolicy enforcement: GKE Dataplane V2 (--enable-dataplane-v2; always on in Autopilot) or --enable-network-policy';
  private readonly settings: GkeSettings;
  /** Project of the cluster, whose Workload Identity pool every token exchange goes through. */
  private readonly clusterProject: string;

  constructor(config: EnvironmentConfig) {
    // The loader validated the gke section (required when platform is gke) before this runs.
    const settings = config.gke as GkeSettings;
    // The secrets live in the data reader's project; Workload Identity pools are per cluster project.
    const project = settings.secretReaderServiceAccounts.data.split('@')[1].split('.')[0];
    const clusterProject = settings.clusterProjectID ?? artifactRegistryProject(config.connect.build.registry ?? config.images.registry) ?? project;
    super(config, {
      product: 'GCP Secret Manager',
      // Secret Manager names allow only letters, digits, '-' and '_'.
      remoteName: (name) => `${settings.secretKeyPrefix}-${name}`,
      storeProvider: () => ({
        gcpsm: {
          projectID: project,
          auth: {
            workloadIdentity: {
              clusterLocation: settings.clusterLocation,
              clusterName: settings.clusterName,
              clusterProjectID: clusterProject,
              serviceAccountRef: { name: SECRET_READER_SERVICE_ACCOUNT },
            },
          },
        },
      }),
      readerIdentity: (plane) => ({ 'iam.gke.io/gcp-service-account': settings.secretReaderServiceAccounts[plane] }),
      readerGrants: (plane, namespace, remoteNames) => {
        const account = settings.secretReaderServiceAccounts[plane];
        const impersonation = {
          bindings: [{ role: 'roles/iam.workloadIdentityUser', members: [`serviceAccount:${clusterProject}.svc.id.goog[${namespace}/${SECRET_READER_SERVICE_ACCOUNT}]`] }],
        };
        const access = { bindings: [{ role: 'roles/secretmanager.secretAccessor', members: [`serviceAccount:${account}`] }] };
        return [
          `${account} (SecretStore of ${namespace}): IAM policy of the service account`,
          JSON.stringify(impersonation),
          ...remoteNames.flatMap((n) => [`IAM policy of secret projects/${project}/secrets/${n}`, JSON.stringify(access)]),
        ];
      },
    });
    this.settings = settings;
    this.clusterProject = clusterProject;
  }

  /** The control plane's endpoint is per cluster (and outside the cluster's ranges): the config names it. */
  check(): ConfigIssue[] {
    const issues = super.check();
    const missing = (['clusterName', 'clusterLocation'] as const).find((key) => !this.settings[key]);
    if (missing)
      issues.push({ path: `/gke/${missing}`, message: 'is required', rule: "each namespace's SecretStore reads GCP Secret Manager through Workload Identity of this cluster" });
    if (!this.config.kubernetesApi) {
      issues.push({
        path: '/kubernetesApi',
        message: 'is required on gke',
        rule: "the streaming namespace's egress admits only the control plane: give its endpoint (gcloud container clusters describe) and port 443",
      });
    }
    return issues;
  }

  /**
   * Where pods resolve names, by gke.dns: kube-dns's pods; Cloud DNS's resolver, the node's metadata
   * server (169.254.169.254); or NodeLocal DNSCache on the node (169.254.20.10), with kube-dns's pods
   * for while a node's cache restarts. Link-local addresses match no pod selector: only ipBlocks.
   */
  clusterDns(): readonly NetworkFlow[] {
    const peers = {
      'kube-dns': [KUBE_DNS_PODS],
      'cloud-dns': [{ ipBlock: { cidr: '169.254.169.254/32' } }],
      'nodelocal-dns-cache': [{ ipBlock: { cidr: '169.254.20.10/32' } }, KUBE_DNS_PODS],
    }[this.settings.dns];
    return dnsFlows(peers);
  }

  kubernetesApiEgress(): readonly NetworkFlow[] {
    return [kubernetesApiFlow(this.config.kubernetesApi as { cidrs: string[]; port: number })];
  }

  /**
   * GKE's own premium-rwo and standard-rwo reclaim with Delete: a deleted claim would delete the
   * disk. Ours has the same disk type and retains it.
   */
  addClusterResources(scope: Construct): void {
    new RetainedStorageClass(scope, 'PersistentDisk', {
      name: GKE_STORAGE_CLASS,
      provisioner: 'pd.csi.storage.gke.io',
      parameters: { type: GKE_DISK_TYPES[this.settings.storageClass] },
    });
  }

  claimStorage(): ClaimStorage {
    return { storageClassName: GKE_STORAGE_CLASS };
  }

  kafkaStorageClass(): string {
    return GKE_STORAGE_CLASS;
  }

  /**
   * Artifact Registry: the generator exchanges the ServiceAccount's Workload Identity token for a
   * GCP access token (1 hour). The output keys are `username` (oauth2accesstoken), `password` and `expiry`.
   */
  protected registryTokenGenerator(registry: string): RegistryTokenGenerator {
    const { clusterName, clusterLocation } = this.settings;
    const project = artifactRegistryProject(registry) as string;
    return {
      kind: 'GCRAccessToken',
      spec: (serviceAccount) => ({
        projectID: project,
        auth: { workloadIdentity: { clusterLocation, clusterName, clusterProjectID: this.clusterProject, serviceAccountRef: { name: serviceAccount } } },
      }),
      registryHost: registryHost(registry),
      serviceAccountAnnotations: this.serviceAccountAnnotations('registry-push'),
    };
  }

  /** Operator builds push to Artifact Registry with a token minted through Workload Identity. */
  protected pushIssues(registry: string, registryPath: string): ConfigIssue[] {
    if (!artifactRegistryProject(registry)) {
      return [
        {
          path: registryPath,
          message: `must be an Artifact Registry repository (<location>-docker.pkg.dev/<project>/<repository>), got ${registry}`,
          rule: 'the Connect build pushes with a GCP access token minted by External Secrets; set connect.build.pushSecret for another registry',
        },
      ];
    }
    const missing = (['connectBuildServiceAccount', 'clusterName', 'clusterLocation'] as const).find((key) => !this.settings[key]);
    if (missing) {
      return [
        {
          path: `/gke/${missing}`,
          message: 'is required when Strimzi builds the Connect image',
          rule: 'the GCRAccessToken generator uses Workload Identity of this cluster and GCP service account (roles/artifactregistry.writer)',
        },
      ];
    }
    return [];
  }

  /** Workload Identity: the GCP service account the ServiceAccount impersonates. */
  serviceAccountAnnotations(workload: IdentityWorkload): Record<string, string> {
    const account = { api: this.settings.apiServiceAccount, 'registry-push': this.settings.connectBuildServiceAccount, backup: this.settings.backup.serviceAccount }[workload];
    return account ? { 'iam.gke.io/gcp-service-account': account } : {};
  }

  /**
   * The global external Application Load Balancer reaches NEG endpoints (pod IPs) from Google
   * Front Ends and its health checkers: 35.191.0.0/16 and 130.211.0.0/22
   * (cloud.google.com/load-balancing/docs/firewall-rules).
   */
  apiTrafficSources(): k8s.NetworkPolicyPeer[] {
    return [{ ipBlock: { cidr: '35.191.0.0/16' } }, { ipBlock: { cidr: '130.211.0.0/22' } }];
  }

  /**
   * Workload Identity: tokens come from the GKE metadata server (169.254.169.254:80, served on
   * 169.254.169.252:988 where network policy is enforced), then Google APIs over HTTPS.
   */
  /** GCS, authenticated as the pod's Workload Identity (pgBackRest's `auto` key type asks the metadata server). */
  backupRepository(environment: string): BackupRepository {
    return { options: { type: 'gcs', path: `/${environment}`, 'gcs-bucket': this.settings.backup.bucket, 'gcs-key-type': 'auto' } };
  }

  identityEgress(workload: IdentityWorkload): NetworkFlow[] {
    if (!this.hasIdentity(workload)) return [];
    return [
      { peers: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: [80] },
      { peers: [{ ipBlock: { cidr: '169.254.169.252/32' } }], ports: [988] },
      // Google APIs: addresses that change (NetworkPolicy cannot name hosts).
      HTTPS_EXCEPT_METADATA,
    ];
  }

  exposeApi(scope: Construct, backend: HttpBackend): void {
    new GkeGateway(scope, 'Gateway', { backend, sslCertificate: this.settings.sslCertificate, sslPolicy: this.settings.sslPolicy });
  }
}

/** The project of an Artifact Registry `<location>-docker.pkg.dev/<project>/…` path; undefined otherwise. */
function artifactRegistryProject(registry: string): string | undefined {
  return /^[a-z0-9-]+-docker\.pkg\.dev\/([a-z][a-z0-9-]{4,28}[a-z0-9])(\/|$)/.exec(registry)?.[1];
}
