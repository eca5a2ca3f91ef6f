import { Construct } from 'constructs';
import {
  KafkaUser as KafkaUserResource,
  KafkaUserSpecAuthenticationType,
  KafkaUserSpecAuthorizationAclsOperations as Operation,
  KafkaUserSpecAuthorizationAclsResourcePatternType as PatternType,
  KafkaUserSpecAuthorizationAclsResourceType as ResourceType,
  KafkaUserSpecAuthorizationType,
} from '../../../imports/kafka.strimzi.io';
import { KafkaCluster } from './cluster';
import { commonLabels } from '../k8s/labels';
import { SCRAM_USER_SECRET_KEYS, STRIMZI_CLUSTER_LABEL } from '../../model/strimzi';
import { applyCallerMetadata, CallerMetadata } from '../k8s/caller-metadata';

export { Operation, PatternType, ResourceType };

/** One simple-authorizer ACL rule: allow `operations` on a resource (cluster: no name). */
export interface AclRule {
  readonly type: ResourceType;
  /** Resource name or prefix; omitted for the cluster resource. */
  readonly name?: string;
  readonly patternType?: PatternType;
  readonly operations: readonly Operation[];
}

export interface KafkaUserProps {
  /** Labels and annotations added to every object it renders (its own win). */
  readonly metadata?: CallerMetadata;
  /** The cluster whose user operator creates the user (in its namespace). */
  readonly cluster: KafkaCluster;
  /** User name; also the name of the Secret the user operator writes (in the cluster's namespace). */
  readonly name: string;
  /** Exactly what the client needs; the authorizer denies everything else. */
  readonly acls: readonly AclRule[];
  /** Who uses it, for humans (`app.kubernetes.io/component`). */
  readonly component: string;
}

/** A SCRAM-SHA-512 KafkaUser with least-privilege simple ACLs. */
export class KafkaUser extends Construct {
  readonly userName: string;
  /** The Secret the user operator writes next to the cluster, and its keys. */
  readonly secret: { readonly name: string; readonly namespace: string; readonly keys: readonly string[] };
  /** The rendered ACL list: allow() adds to it until the app synthesizes. */
  private readonly acls: ReturnType<typeof aclEntry>[];

  constructor(scope: Construct, id: string, props: KafkaUserProps) {
    super(scope, id);
    this.userName = props.name;
    this.secret = { name: props.name, namespace: props.cluster.namespace, keys: SCRAM_USER_SECRET_KEYS };
    this.acls = props.acls.map(aclEntry);
    new KafkaUserResource(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.cluster.namespace,
        labels: { ...commonLabels(), 'app.kubernetes.io/component': props.component, [STRIMZI_CLUSTER_LABEL]: props.cluster.name },
      },
      spec: {
        authentication: { type: KafkaUserSpecAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512 },
        authorization: {
          type: KafkaUserSpecAuthorizationType.SIMPLE,
          acls: this.acls,
        },
      },
    });
    applyCallerMetadata(this, props.metadata);
  }

  /** Lets the user commit offsets as consumer group `group`. */
  allowGroup(group: string): void {
    this.allow({ type: ResourceType.GROUP, name: group, operations: [Operation.READ] });
  }

  /** Allows more: what a grant (KafkaTopic.grantRead) adds for the user. A rule it already has is not added again. */
  allow(...rules: readonly AclRule[]): void {
    for (const entry of rules.map(aclEntry)) if (!this.acls.some((a) => JSON.stringify(a) === JSON.stringify(entry))) this.acls.push(entry);
  }
}

/** One rule as the KafkaUser resource spells it. */
function aclEntry(rule: AclRule) {
  return {
    resource: {
      type: rule.type,
      ...(rule.name !== undefined ? { name: rule.name, patternType: rule.patternType ?? PatternType.LITERAL } : {}),
    },
    operations: [...rule.operations],
  };
}
