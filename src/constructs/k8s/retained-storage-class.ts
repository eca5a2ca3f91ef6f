import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { commonLabels } from './labels';

export interface RetainedStorageClassProps {
  readonly name: string;
  /** The CSI driver, e.g. `ebs.csi.aws.com`. */
  readonly provisioner: string;
  /** Driver parameters (disk type, encryption). */
  readonly parameters: Record<string, string>;
}

/**
 * A StorageClass for volumes that hold data: a deleted claim (`helm uninstall`, a pruned Kafka
 * node) leaves its disk behind (`Retain`); volumes are created in the zone the pod lands in and
 * can grow.
 */
export class RetainedStorageClass extends Construct {
  readonly storageClassName: string;

  constructor(scope: Construct, id: string, props: RetainedStorageClassProps) {
    super(scope, id);
    this.storageClassName = props.name;
    new k8s.KubeStorageClass(this, 'Resource', {
      metadata: { name: props.name, labels: commonLabels() },
      provisioner: props.provisioner,
      parameters: props.parameters,
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Retain',
      allowVolumeExpansion: true,
    });
  }
}
