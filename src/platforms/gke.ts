import { Construct } from 'constructs';
import { ConfigIssue, EnvironmentConfig, GkeSettings } from '../config/types';
import { GkeGateway } from '../constructs/gke-gateway';
import { HttpBackend } from '../constructs/http-exposure';
import { RequiredSecret } from '../constructs/required-secret';
import { productionApiIssues, RemoteLocation, syncFromSecretManager } from './cloud';
import { ClaimStorage, Platform, ServiceExposure } from './platform';

/**
 * Google GKE: Persistent Disk CSI classes that GKE ships (`premium-rwo`/`standard-rwo`, set
 * explicitly), Gateway API for exposure, Workload Identity and GCP Secret Manager through
 * External Secrets.
 */
export class GkePlatform implements Platform {
  readonly name = 'gke' as const;
  readonly userAppliesSecrets = false;
  private readonly settings: GkeSettings;
  private readonly secrets: RemoteLocation;

  constructor(private readonly config: EnvironmentConfig) {
    // The schema requires the gke section when platform is gke; this constructor runs after it.
    this.settings = config.gke as GkeSettings;
    const prefix = this.settings?.secretKeyPrefix;
    // Secret Manager names allow only letters, digits, '-' and '_'.
    this.secrets = { store: this.settings?.secretStore, remoteName: (name) => `${prefix}-${name}` };
  }

  check(): ConfigIssue[] {
    return productionApiIssues(this.name, this.config);
  }

  addClusterResources(): void {
    // premium-rwo and standard-rwo (pd.csi.storage.gke.io) exist on every GKE cluster.
  }

  claimStorage(): ClaimStorage {
    return { storageClassName: this.settings.storageClass };
  }

  provideSecret(scope: Construct, secret: RequiredSecret): void {
    syncFromSecretManager(scope, secret, this.secrets);
  }

  serviceAccountAnnotations(): Record<string, string> {
    return this.settings.apiServiceAccount ? { 'iam.gke.io/gcp-service-account': this.settings.apiServiceAccount } : {};
  }

  apiServiceExposure(): ServiceExposure {
    return { type: 'ClusterIP' };
  }

  exposeApi(scope: Construct, backend: HttpBackend): void {
    new GkeGateway(scope, 'Gateway', { backend, sslCertificate: this.settings.sslCertificate });
  }

  describeSecretSource(secret: RequiredSecret): string {
    return `GCP Secret Manager secret ${this.secrets.remoteName(secret.secretName)} (JSON keys: ${secret.keys.join(', ')}) via ClusterSecretStore ${this.secrets.store}`;
  }
}
