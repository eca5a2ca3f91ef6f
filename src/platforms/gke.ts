import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { EnvironmentConfig, GkeSettings } from '../config/types';
import { GkeGateway } from '../constructs/gke-gateway';
import { HttpBackend } from '../constructs/http-exposure';
import { NetworkFlow } from '../constructs/network-policy';
import { ManagedCloudPlatform } from './cloud';
import { ClaimStorage, IdentityWorkload } from './platform';

/**
 * Google GKE: the Persistent Disk CSI classes GKE ships (`premium-rwo`/`standard-rwo`, set
 * explicitly), Gateway API for exposure, Workload Identity and GCP Secret Manager through
 * External Secrets.
 */
export class GkePlatform extends ManagedCloudPlatform {
  readonly name = 'gke' as const;
  readonly networkPolicyEnforcement = 'NetworkPolicy enforcement: GKE Dataplane V2 (--enable-dataplane-v2; always on in Autopilot) or --enable-network-policy';
  private readonly settings: GkeSettings;

  constructor(config: EnvironmentConfig) {
    // The loader validated the gke section (required when platform is gke) before this runs.
    const settings = config.gke as GkeSettings;
    super(config, {
      product: 'GCP Secret Manager',
      store: settings.secretStore,
      // Secret Manager names allow only letters, digits, '-' and '_'.
      remoteName: (name) => `${settings.secretKeyPrefix}-${name}`,
    });
    this.settings = settings;
  }

  addClusterResources(): void {
    // premium-rwo and standard-rwo (pd.csi.storage.gke.io) exist on every GKE cluster.
  }

  claimStorage(): ClaimStorage {
    return { storageClassName: this.settings.storageClass };
  }

  kafkaStorageClass(): string {
    return this.settings.storageClass;
  }

  /** Workload Identity: the GCP service account the ServiceAccount impersonates. */
  serviceAccountAnnotations(workload: IdentityWorkload): Record<string, string> {
    const account = workload === 'api' ? this.settings.apiServiceAccount : this.settings.connectBuildServiceAccount;
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
  identityEgress(workload: IdentityWorkload): NetworkFlow[] {
    if (!this.hasIdentity(workload)) return [];
    return [
      { peers: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: [80] },
      { peers: [{ ipBlock: { cidr: '169.254.169.252/32' } }], ports: [988] },
      { ports: [443] },
    ];
  }

  exposeApi(scope: Construct, backend: HttpBackend): void {
    new GkeGateway(scope, 'Gateway', { backend, sslCertificate: this.settings.sslCertificate });
  }
}
