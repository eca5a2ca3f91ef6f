import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ConfigIssue, EksSettings, EnvironmentConfig } from '../model/config';
import { AlbIngress } from '../constructs/cloud/alb-ingress';
import { SECRET_READER_SERVICE_ACCOUNT } from '../constructs/cloud/namespaced-secret-store';
import { HttpBackend } from '../constructs/k8s/http-exposure';
import { registryHost } from '../constructs/k8s/image';
import { HTTPS_EXCEPT_METADATA, NetworkFlow } from '../constructs/k8s/network-policy';
import { RetainedStorageClass } from '../constructs/k8s/retained-storage-class';
import { RegistryTokenGenerator } from '../constructs/cloud/registry-push-secret';
import { ManagedCloudPlatform } from './cloud';
import { ClaimStorage, IdentityWorkload, kubernetesApiFlow } from './platform';
import { BackupRepository } from '../model/backup-repository';

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
    // An ALB's ACM certificate lives in the ALB's region: the cluster's, and its secrets'.
    const region = settings.certificateArn.split(':')[3];
    super(config, {
      product: 'AWS Secrets Manager',
      remoteName: (name) => `${settings.secretKeyPrefix}/${name}`,
      storeProvider: () => ({ aws: { service: 'SecretsManager', region, auth: { jwt: { serviceAccountRef: { name: SECRET_READER_SERVICE_ACCOUNT } } } } }),
      readerIdentity: (plane) => ({ 'eks.amazonaws.com/role-arn': settings.secretReaderRoleArns[plane] }),
      readerGrants: (plane, namespace, remoteNames) => {
        const role = settings.secretReaderRoleArns[plane];
        const account = role.split(':')[4];
        // Secrets Manager appends six random characters to a secret's ARN.
        const policy = {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: remoteNames.map((n) => `arn:aws:secretsmanager:${region}:${account}:secret:${n}-??????`) },
          ],
        };
        const trust = {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/<cluster OIDC issuer, without https://>` },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { '<cluster OIDC issuer, without https://>:sub': `system:serviceaccount:${namespace}:${SECRET_READER_SERVICE_ACCOUNT}` } },
            },
          ],
        };
        return [`${role} (SecretStore of ${namespace}): permissions policy`, JSON.stringify(policy), `${role}: trust policy`, JSON.stringify(trust)];
      },
    });
    this.settings = settings;
  }

  addClusterResources(scope: Construct): void {
    new RetainedStorageClass(scope, 'Gp3', {
      name: EKS_STORAGE_CLASS,
      provisioner: 'ebs.csi.aws.com',
      parameters: {
        type: 'gp3',
        encrypted: 'true',
        ...(this.settings.kmsKeyId ? { kmsKeyId: this.settings.kmsKeyId } : {}),
        'csi.storage.k8s.io/fstype': 'ext4',
      },
    });
  }

  claimStorage(): ClaimStorage {
    return { storageClassName: EKS_STORAGE_CLASS };
  }

  kafkaStorageClass(): string {
    return EKS_STORAGE_CLASS;
  }

  /**
   * ECR: the generator calls GetAuthorizationToken as the push role (IRSA on its ServiceAccount);
   * the token lasts 12 hours. The output keys are `username`, `password`, `proxy_endpoint`, `expires_at`.
   */
  protected registryTokenGenerator(registry: string): RegistryTokenGenerator {
    const host = registryHost(registry);
    return {
      kind: 'ECRAuthorizationToken',
      spec: (serviceAccount) => ({ region: ecrRegion(host) as string, auth: { jwt: { serviceAccountRef: { name: serviceAccount } } } }),
      registryHost: host,
      serviceAccountAnnotations: this.serviceAccountAnnotations('registry-push'),
    };
  }

  /** Operator builds push to ECR with a token the push role mints: both must be there. */
  protected pushIssues(registry: string, registryPath: string): ConfigIssue[] {
    if (!ecrRegion(registryHost(registry))) {
      return [
        {
          path: registryPath,
          message: `must be an Amazon ECR registry (<account>.dkr.ecr.<region>.amazonaws.com), got ${registry}`,
          rule: 'the Connect build pushes with an ECR token minted by External Secrets; set connect.build.pushSecret for another registry',
        },
      ];
    }
    if (!this.settings.connectBuildRoleArn) {
      return [
        {
          path: '/eks/connectBuildRoleArn',
          message: 'is required when Strimzi builds the Connect image',
          rule: 'the ECR token generator assumes this IAM role (ecr:GetAuthorizationToken and push on the repository)',
        },
      ];
    }
    return [];
  }

  /** IRSA: the role the ServiceAccount assumes (the registry-push generator mints ECR tokens with it). */
  serviceAccountAnnotations(workload: IdentityWorkload): Record<string, string> {
    const role = { api: this.settings.apiRoleArn, 'registry-push': this.settings.connectBuildRoleArn, backup: this.settings.backup.roleArn }[workload];
    return role ? { 'eks.amazonaws.com/role-arn': role } : {};
  }

  /**
   * The ALB (target type ip) connects to pod IPs from its nodes' addresses: its subnets when
   * configured, so that pods (VPC addresses too, in other subnets) cannot bypass it; else the VPC.
   */
  apiTrafficSources(): k8s.NetworkPolicyPeer[] {
    return (this.settings.loadBalancerSubnetCidrs ?? [this.settings.vpcCidr]).map((cidr) => ({ ipBlock: { cidr } }));
  }

  /**
   * IRSA: the SDK exchanges the projected token at STS and calls AWS APIs over HTTPS, at public
   * or VPC-endpoint addresses that change (NetworkPolicy cannot name hosts); never the metadata servers.
   */
  identityEgress(workload: IdentityWorkload): NetworkFlow[] {
    return this.hasIdentity(workload) ? [HTTPS_EXCEPT_METADATA] : [];
  }

  /**
   * S3 in the cluster's region, authenticated with the pod's IRSA token (pgBackRest's `web-id`
   * key type reads AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, which EKS injects).
   */
  backupRepository(environment: string): BackupRepository {
    const region = this.settings.certificateArn.split(':')[3];
    return {
      options: {
        type: 's3',
        path: `/${environment}`,
        's3-bucket': this.settings.backup.bucket,
        's3-region': region,
        's3-endpoint': `s3.${region}.amazonaws.com`,
        's3-key-type': 'web-id',
      },
    };
  }

  /**
   * EKS places the control plane's network interfaces in the cluster's VPC subnets (port 443). The
   * VPC CNI's network policy agent judges a connection before the kubernetes Service's ClusterIP is
   * translated (amazon-network-policy-controller-k8s resolves ClusterIPs only of Services with a
   * selector, which that Service lacks), so pods dialling KUBERNETES_SERVICE_HOST need the ClusterIP
   * itself admitted: the first address of eks.serviceIpv4Cidr, or of both of EKS's defaults.
   */
  kubernetesApiEgress(): readonly NetworkFlow[] {
    const serviceCidrs = this.settings.serviceIpv4Cidr ? [this.settings.serviceIpv4Cidr] : EKS_DEFAULT_SERVICE_CIDRS;
    return [
      kubernetesApiFlow(this.config.kubernetesApi ?? { cidrs: [this.settings.vpcCidr], port: 443 }),
      kubernetesApiFlow({ cidrs: serviceCidrs.map((cidr) => `${firstAddress(cidr)}/32`), port: 443 }),
    ];
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

/** EKS assigns Service addresses from one of these when the cluster was created without serviceIpv4Cidr. */
const EKS_DEFAULT_SERVICE_CIDRS = ['10.100.0.0/16', '172.20.0.0/16'];

/** The first host address of a CIDR, which Kubernetes gives the kubernetes Service (10.100.0.0/16 → 10.100.0.1). */
function firstAddress(cidr: string): string {
  const [base, bits] = cidr.split('/');
  const value = base.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const network = value - (value % 2 ** (32 - Number(bits)));
  const first = network + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256).join('.');
}

/** The region of an ECR registry host; undefined for any other host. */
function ecrRegion(host: string): string | undefined {
  return /^[0-9]{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host)?.[1];
}
