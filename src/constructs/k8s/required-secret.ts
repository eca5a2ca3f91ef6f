import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

export interface RequiredSecretProps {
  /** Secret name. Stable and documented: users create or sync it by this name. */
  readonly name: string;
  /** Namespace the consuming workload runs in (Secrets are namespaced). */
  readonly namespace: string;
  /** Keys the workload reads, e.g. `['password']`. */
  readonly keys: readonly string[];
  /** One line for humans: what the secret is for. */
  readonly purpose: string;
  /**
   * Set when an operator writes the Secret from an object cdc8s renders (a KafkaAccess): neither
   * the platform nor the user provides it.
   */
  readonly writtenBy?: string;
}

/**
 * A Secret a workload needs but cdc8s never renders: its value must not land in dist/.
 * It renders nothing itself; the platform decides how the Secret gets there (an ExternalSecret,
 * or `npm run secrets` on minikube), and tools find every requirement with `RequiredSecret.all()`.
 */
export class RequiredSecret extends Construct {
  /** Every RequiredSecret under a scope, in construct order. */
  static all(scope: Construct): RequiredSecret[] {
    return scope.node.findAll().filter((c): c is RequiredSecret => c instanceof RequiredSecret);
  }

  readonly secretName: string;
  readonly namespace: string;
  readonly keys: readonly string[];
  readonly purpose: string;
  readonly writtenBy?: string;

  constructor(scope: Construct, id: string, props: RequiredSecretProps) {
    super(scope, id);
    if (props.keys.length === 0) throw new Error(`RequiredSecret ${props.name}: at least one key is needed`);
    this.secretName = props.name;
    this.namespace = props.namespace;
    this.keys = props.keys;
    this.purpose = props.purpose;
    this.writtenBy = props.writtenBy;
  }

  /** A reference for `env[].valueFrom.secretKeyRef`. */
  keyRef(key: string): k8s.SecretKeySelector {
    this.assertKey(key);
    return { name: this.secretName, key };
  }

  /** A volume that mounts the secret's keys as files, readable by the owner and the pod's fsGroup only. */
  volume(volumeName: string): k8s.Volume {
    return { name: volumeName, secret: { secretName: this.secretName, defaultMode: 0o440 } };
  }

  /** Throws unless the Secret has this key (a typo would otherwise surface only at runtime). */
  assertKey(key: string): void {
    if (!this.keys.includes(key)) throw new Error(`Secret ${this.secretName} has no key '${key}' (keys: ${this.keys.join(', ')})`);
  }
}
