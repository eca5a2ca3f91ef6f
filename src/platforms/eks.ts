import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { EksSettings, EnvironmentConfig } from '../config/types';
import { AlbIngress } from '../constructs/alb-ingress';
import { HttpBackend } from '../constructs/http-exposure';
import { NetworkFlow } from '../constructs/network-policy';
import { commonLabels } from '../constructs/labels';
import { ManagedCloudPlatform } from './cloud';
import { ClaimStorage, IdentityWorkload } from './platform';

/** Name of the StorageClass cdc8s creates on EKS (≥1.30 clusters have no default class). */
export const EKS_STORAGE_CLASS = 'cdc8s-gp3';

/**
 * Amazon EKS: encrypted gp3 volumes through the EBS CSI driver, an ALB Ingress with an ACM
 * certificate, IRSA for identities and AWS Secrets Manager through External Secrets.
 */
export class EksPlatform extends ManagedCloudPlatform {
  readonly name = 'eks' as const;
  readonly networkPolicyEnforcement = 'NetworkPolicy enforcement in the Amazon VPC CNI add-on (v1.14+, configuration {"enableNetworkPolicy": "true"})';
  private readonly settings: EksSettings;

  constructor(config: EnvironmentConfig) {
    // The loader validated the eks section (required when platform is eks) before this runs.
    const settings = config.eks as EksSettings;
    super(config, {
      product: 'AWS Secrets Manager',
      store: settings.secretStore,
      remoteName: (name) => `${settings.secretKeyPrefix}/${name}`,
    });
    this.settings = settings;
  }

  addClusterResources(scope: Construct): void {
    new k8s.KubeStorageClass(scope, 'Gp3', {
      metadata: { name: EKS_STORAGE_CLASS, labels: commonLabels() },
      provisioner: 'ebs.csi.aws.com',
      parameters: {
        type: 'gp3',
        encrypted: 'true',
        ...(this.settings.kmsKeyId ? { kmsKeyId: this.settings.kmsKeyId } : {}),
        'csi.storage.k8s.io/fstype': 'ext4',
      },
      // Wait for the pod so the volume is created in the zone the pod is scheduled to.
      volumeBindingMode: 'WaitForFirstConsumer',
      // A deleted claim must not delete the database's disk.
      reclaimPolicy: 'Retain',
      allowVolumeExpansion: true,
    });
  }

  claimStorage(): ClaimStorage {
    return { storageClassName: EKS_STORAGE_CLASS };
  }

  kafkaStorageClass(): string {
    return EKS_STORAGE_CLASS;
  }

  /** IRSA: the role the ServiceAccount assumes (the Connect build pushes to ECR with it). */
  serviceAccountAnnotations(workload: IdentityWorkload): Record<string, string> {
    const role = workload === 'api' ? this.settings.apiRoleArn : this.settings.connectBuildRoleArn;
    return role ? { 'eks.amazonaws.com/role-arn': role } : {};
  }

  /** The ALB (target type ip) connects to pod IPs from its nodes' addresses in the VPC. */
  apiTrafficSources(): k8s.NetworkPolicyPeer[] {
    return [{ ipBlock: { cidr: this.settings.vpcCidr } }];
  }

  /** IRSA: the SDK exchanges the projected token at STS and calls AWS APIs, over HTTPS to public or VPC-endpoint addresses. */
  identityEgress(workload: IdentityWorkload): NetworkFlow[] {
    return this.hasIdentity(workload) ? [{ ports: [443] }] : [];
  }

  exposeApi(scope: Construct, backend: HttpBackend): void {
    new AlbIngress(scope, 'Ingress', {
      backend,
      certificateArn: this.settings.certificateArn,
      scheme: this.settings.loadBalancerScheme,
      sslPolicy: this.settings.sslPolicy,
    });
  }
}
