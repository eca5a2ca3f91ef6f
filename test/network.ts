import { RenderedObject } from './helpers';

/**
 * A small NetworkPolicy evaluator (networking.k8s.io/v1 semantics) for testing flows without a
 * cluster: a connection is allowed when the destination pod's ingress policies and the source
 * pod's egress policies both admit it; a pod no policy of a direction selects is open in it.
 * Pods never match ipBlock peers here (CNIs differ on that); external addresses only match ipBlocks.
 */

export interface Pod {
  readonly namespace: string;
  readonly labels: Record<string, string>;
}
export interface External {
  readonly ip: string;
}
export type Endpoint = Pod | External;

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Rule {
  peers?: Peer[];
  ports?: { port?: number | string; protocol?: string }[];
}

export function isPod(endpoint: Endpoint): endpoint is Pod {
  return 'namespace' in endpoint;
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return key in labels && values.includes(labels[key]);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
    }
  });
  return byLabels && byExpressions;
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipToNumber(ip) / size) === Math.floor(ipToNumber(base) / size);
}

export class Network {
  /** Namespace name → its labels (`kubernetes.io/metadata.name` is added, as the API server does). */
  private readonly namespaceLabels = new Map<string, Record<string, string>>();

  constructor(
    private readonly policies: readonly RenderedObject[],
    namespaces: readonly RenderedObject[],
  ) {
    for (const ns of namespaces) this.namespaceLabels.set(ns.metadata.name, { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name });
  }

  allowed(from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
    const ingressOk = !isPod(to) || this.admits(to, 'Ingress', from, port, protocol);
    const egressOk = !isPod(from) || this.admits(from, 'Egress', to, port, protocol);
    return ingressOk && egressOk;
  }

  /** Whether the source's own egress policies let it send this (the destination's ingress aside). */
  egressAllowed(from: Pod, to: Endpoint, port: number, protocol = 'TCP'): boolean {
    return this.admits(from, 'Egress', to, port, protocol);
  }

  /** Policies of a direction that select a pod. */
  policiesFor(pod: Pod, direction: 'Ingress' | 'Egress'): RenderedObject[] {
    return this.policies.filter(
      (p) => p.metadata.namespace === pod.namespace && selects(p.spec.podSelector, pod.labels) && (p.spec.policyTypes ?? ['Ingress']).includes(direction),
    );
  }

  private admits(pod: Pod, direction: 'Ingress' | 'Egress', other: Endpoint, port: number, protocol: string): boolean {
    const policies = this.policiesFor(pod, direction);
    if (policies.length === 0) return true;
    return policies.some((policy) => {
      const rules: Rule[] =
        (direction === 'Ingress' ? policy.spec.ingress : (policy.spec.egress ?? []))?.map((r: any) => ({ peers: direction === 'Ingress' ? r.from : r.to, ports: r.ports })) ?? [];
      return rules.some((rule) => this.portMatches(rule, port, protocol) && this.peerMatches(rule, other, policy.metadata.namespace as string));
    });
  }

  private portMatches(rule: Rule, port: number, protocol: string): boolean {
    if (!rule.ports || rule.ports.length === 0) return true;
    return rule.ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port));
  }

  private peerMatches(rule: Rule, other: Endpoint, policyNamespace: string): boolean {
    if (!rule.peers || rule.peers.length === 0) return true;
    return rule.peers.some((peer) => {
      if (peer.ipBlock) return !isPod(other) && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((e) => inCidr(other.ip, e));
      if (!isPod(other)) return false;
      const namespaceOk = peer.namespaceSelector
        ? selects(peer.namespaceSelector, this.namespaceLabels.get(other.namespace) ?? { 'kubernetes.io/metadata.name': other.namespace })
        : other.namespace === policyNamespace;
      return namespaceOk && selects(peer.podSelector, other.labels);
    });
  }
}

/**
 * The listener NetworkPolicy Strimzi renders for a Kafka (STRIMZI_NETWORK_POLICY_GENERATION, on by
 * default): the listener port of the broker pods, open to exactly the listener's networkPolicyPeers.
 */
export function strimziListenerPolicy(kafka: RenderedObject): RenderedObject {
  const listener = kafka.spec.kafka.listeners[0];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${kafka.metadata.name}-network-policy-kafka`, namespace: kafka.metadata.namespace },
    spec: {
      podSelector: { matchLabels: { 'strimzi.io/cluster': kafka.metadata.name, 'strimzi.io/kind': 'Kafka' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: listener.networkPolicyPeers, ports: [{ port: listener.port, protocol: 'TCP' }] }],
    },
  };
}
