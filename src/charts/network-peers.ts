import { Environment } from '../model/config';
import { CONSUMER_COMPONENT } from '../constructs/kafka/consumer';
import { selectorLabels } from '../constructs/k8s/labels';
import { NetworkFlow, PodPeer } from '../constructs/k8s/network-policy';
import { Platform } from '../platforms/platform';
import { brokerPodLabels, connectWorkerPodLabels, STRIMZI_OPERATOR_POD_LABELS } from '../model/strimzi';

/** Name of the Postgres StatefulSet and Service (and its pods' `app.kubernetes.io/name`). */
export const POSTGRES_NAME = 'postgres';

/** Every party of the pipeline's network flows, by namespace and pod labels. */
export interface PipelinePeers {
  readonly postgres: PodPeer;
  readonly api: PodPeer;
  readonly consumers: PodPeer;
  readonly connect: PodPeer;
  readonly kafkaBrokers: PodPeer;
  readonly strimziOperator: PodPeer;
  /** Any pod of the monitoring namespace (Prometheus): the only scraper admitted; undefined without observability. */
  readonly monitoring?: PodPeer;
  /** Where pods send DNS queries (the platform's resolver): every policy that restricts egress admits it. */
  readonly dns: readonly NetworkFlow[];
}

/**
 * Who is who on the network, derived from the config with the same label functions the
 * workloads use, so a policy can never select pods that do not exist. Charts build their
 * NetworkPolicies from this, whichever chart renders the peer.
 */
export function pipelinePeers({ name: instance, config }: Environment, platform: Platform): PipelinePeers {
  const { namespaces, api, kafka, connect, observability } = config;
  return {
    postgres: { namespace: namespaces.data, podLabels: selectorLabels({ name: POSTGRES_NAME, component: 'database', instance }) },
    api: { namespace: namespaces.apps, podLabels: selectorLabels({ name: api.name, component: 'api', instance }) },
    consumers: { namespace: namespaces.apps, podLabels: { 'app.kubernetes.io/component': CONSUMER_COMPONENT, 'app.kubernetes.io/instance': instance } },
    connect: { namespace: namespaces.streaming, podLabels: connectWorkerPodLabels(connect.name) },
    kafkaBrokers: { namespace: namespaces.streaming, podLabels: brokerPodLabels(kafka.name) },
    strimziOperator: { namespace: kafka.operatorNamespace, podLabels: STRIMZI_OPERATOR_POD_LABELS },
    ...(observability.enabled ? { monitoring: { namespace: observability.namespace, podLabels: {} } } : {}),
    dns: platform.clusterDns(),
  };
}
