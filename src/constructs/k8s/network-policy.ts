import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { commonLabels } from './labels';
import { applyCallerMetadata, CallerMetadata } from './caller-metadata';

/** Pods by namespace and labels: one end of a flow. */
export interface PodPeer {
  readonly namespace: string;
  /** Labels the pods carry (all must match). */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** One allowed flow: who (or where), on which TCP ports. */
export interface NetworkFlow {
  /** Peers; omitted: any address (the ports still restrict it). */
  readonly peers?: readonly k8s.NetworkPolicyPeer[];
  readonly ports: readonly number[];
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Label every namespace carries from Kubernetes 1.22 on (NamespaceDefaultLabelName). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The NetworkPolicy peer for pods in another (or the same) namespace. */
export function podPeer(peer: PodPeer): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.namespace } }, podSelector: { matchLabels: { ...peer.podLabels } } };
}

/**
 * The cluster DNS pods: CoreDNS (or kube-dns) in kube-system carries `k8s-app: kube-dns` on EKS,
 * GKE and minikube alike.
 */
export const KUBE_DNS_PODS = podPeer({ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } });

/** DNS (port 53, UDP and TCP) to these peers: where a platform's pods send their queries. */
export function dnsFlows(peers: readonly k8s.NetworkPolicyPeer[]): NetworkFlow[] {
  return [
    { peers, ports: [53], protocol: 'UDP' },
    { peers, ports: [53], protocol: 'TCP' },
  ];
}

/**
 * Denies all ingress (or egress) to every pod of a namespace. NetworkPolicies only add
 * permissions, so each flow the pipeline needs is a policy of its own next to the workload.
 */
export class DefaultDeny extends Construct {
  constructor(scope: Construct, id: string, namespace: string, direction: 'Ingress' | 'Egress' = 'Ingress') {
    super(scope, id);
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: `default-deny-${direction.toLowerCase()}`, namespace, labels: commonLabels() },
      spec: { podSelector: {}, policyTypes: [direction] },
    });
  }
}

/**
 * HTTPS to any address but link-local ones (169.254.0.0/16: the cloud metadata servers, which
 * hand out the node's or a workload's cloud credentials).
 */
export const HTTPS_EXCEPT_METADATA: NetworkFlow = { peers: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] } }], ports: [443] };

export interface WorkloadNetworkPolicyProps {
  /** Labels and annotations added to every object it renders (its own win). */
  readonly metadata?: CallerMetadata;
  /** Name of the policy (usually the workload's). */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Labels selecting the workload's pods. */
  readonly podSelector: Record<string, string>;
  /** Flows into the pods; empty: none; omitted: this policy does not restrict ingress. */
  readonly ingress?: readonly NetworkFlow[];
  /** Flows out of the pods besides DNS; omitted: egress is not restricted. */
  readonly egress?: readonly NetworkFlow[];
  /**
   * Where the pods resolve names (the platform's DNS: PipelinePeers.dns), allowed whenever egress
   * is restricted; required with `egress`.
   */
  readonly dns?: readonly NetworkFlow[];
}

/** The exact traffic one workload may receive (and, where its destinations are known, send). */
export class WorkloadNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    if (props.egress && !props.dns) throw new Error(`NetworkPolicy ${props.namespace}/${props.name}: restricted egress needs the platform's DNS flows`);
    const egress = props.egress ? [...(props.dns ?? []), ...props.egress] : undefined;
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        podSelector: { matchLabels: props.podSelector },
        policyTypes: [...(props.ingress ? ['Ingress'] : []), ...(egress ? ['Egress'] : [])],
        ...(props.ingress ? { ingress: props.ingress.map((flow) => ({ ...(flow.peers ? { from: [...flow.peers] } : {}), ports: portsOf(flow) })) } : {}),
        ...(egress ? { egress: egress.map((flow) => ({ ...(flow.peers ? { to: [...flow.peers] } : {}), ports: portsOf(flow) })) } : {}),
      },
    });
    applyCallerMetadata(this, props.metadata);
  }
}

function portsOf(flow: NetworkFlow): k8s.NetworkPolicyPort[] {
  return flow.ports.map((port) => ({ port: k8s.IntOrString.fromNumber(port), protocol: flow.protocol ?? 'TCP' }));
}
