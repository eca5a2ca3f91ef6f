import { Construct } from 'constructs';
import { EnvironmentConfig, GkeSettings } from '../config/types';
import { GkeGateway } from '../constructs/gke-gateway';
import { HttpBackend } from '../constructs/http-exposure';
import { ManagedCloudPlatform } from './cloud';
import { ClaimStorage, IdentityWorkload } from './platform';

/**
 * Google GKE: the Persistent Disk CSI classes GKE ships (`premium-rwo`/`standard-rwo`, set
 * explicitly), Gateway API for exposure, Workload Identity and GCP Secret Manager through
 * External Secrets.
 */
export class GkePlatform extends ManagedCloudPlatform {
  readonly name = 'gke' as const;
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

  exposeApi(scope: Construct, backend: HttpBackend): void {
    new GkeGateway(scope, 'Gateway', { backend, sslCertificate: this.settings.sslCertificate });
  }
}
