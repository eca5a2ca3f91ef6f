import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ConfigIssue, EksSettings, EnvironmentConfig } from '../config/types';
import { AlbIngress } from '../constructs/alb-ingress';
import { HttpBackend } from '../constructs/http-exposure';
import { RequiredSecret } from '../constructs/required-secret';
import { productionApiIssues, RemoteLocation, syncFromSecretManager } from './cloud';
import { ClaimStorage, Platform, ServiceExposure } from './platform';

/** Name of the StorageClass cdc8s creates on EKS (≥1.30 clusters have no default class). */
export const EKS_STORAGE_CLASS = 'cdc8s-gp3';

/**
 * Amazon EKS: encrypted gp3 volumes through the EBS CSI driver, an ALB Ingress with an ACM
 * certificate, IRSA for identities and AWS Secrets Manager through External Secrets.
 */
export class EksPlatform implements Platform {
  readonly name = 'eks' as const;
  readonly userAppliesSecrets = false;
  private readonly settings: EksSettings;
  private readonly secrets: RemoteLocation;

  constructor(private readonly config: EnvironmentConfig) {
    // The schema requires the eks section when platform is eks; this constructor runs after it.
    this.settings = config.eks as EksSettings;
    const prefix = this.settings?.secretKeyPrefix;
    this.secrets = { store: this.settings?.secretStore, remoteName: (name) => `${prefix}/${name}` };
  }

  check(): ConfigIssue[] {
    return productionApiIssues(this.name, this.config);
  }

  addClusterResources(scope: Construct): void {
    new k8s.KubeStorageClass(scope, 'Gp3', {
      metadata: { name: EKS_STORAGE_CLASS, labels: { 'app.kubernetes.io/part-of': 'cdc8s', 'app.kubernetes.io/managed-by': 'cdc8s' } },
      provisioner: 'ebs.csi.aws.com',
      parameters: {
        type: 'gp3',
        encrypted: 'true',
        ...(this.settings.kmsKeyId ? { kmsKeyId: this.settings.kmsKeyId } : {}),
        'csi.storage.k8s.io/fstype': 'ext4',
      },
      // Wait for the pod so the volume is created in the zone the pod is scheduled to.
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Retain',
      allowVolumeExpansion: true,
    });
  }

  claimStorage(): ClaimStorage {
    return { storageClassName: EKS_STORAGE_CLASS };
  }

  provideSecret(scope: Construct, secret: RequiredSecret): void {
    syncFromSecretManager(scope, secret, this.secrets);
  }

  serviceAccountAnnotations(): Record<string, string> {
    return this.settings.apiRoleArn ? { 'eks.amazonaws.com/role-arn': this.settings.apiRoleArn } : {};
  }

  apiServiceExposure(): ServiceExposure {
    return { type: 'ClusterIP' };
  }

  exposeApi(scope: Construct, backend: HttpBackend): void {
    new AlbIngress(scope, 'Ingress', {
      backend,
      certificateArn: this.settings.certificateArn,
      scheme: this.settings.loadBalancerScheme,
      sslPolicy: this.settings.sslPolicy,
    });
  }

  describeSecretSource(secret: RequiredSecret): string {
    return `AWS Secrets Manager secret ${this.secrets.remoteName(secret.secretName)} (JSON keys: ${secret.keys.join(', ')}) via ClusterSecretStore ${this.secrets.store}`;
  }
}
