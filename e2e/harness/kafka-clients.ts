import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSUMER_METRICS_CONFIG_MAP } from '../../src/charts/consumers';
import { JMX_RULES_KEY } from '../../src/constructs/kafka/jmx-metrics';
import { transactionTopicName } from '../../src/constructs/kafka/debezium-connector';
import { Certificates } from './certs';
import { ConsumedRecord, ConsumerRun, parseRecords } from './consumer-run';
import { Jvm, Wrap } from './jvm';
import { KafkaNodes } from './kafka-nodes';
import { RenderedPipeline } from './rendered';
import { PodMount, withPodMounts } from './pod-mounts';
import { bootstrapServiceNames } from './strimzi';

/**
 * A consumer's pod, as far as its Kafka client sees it: the Deployment's ConfigMap and KafkaAccess
 * Secret volumes at their rendered mountPaths, and the paths and topics its env names. The
 * rendered client.properties is used as it is.
 */
export interface ConsumerPod {
  readonly consumer: string;
  /** KAFKA_CLIENT_CONFIG: the rendered client.properties, at its path in the pod. */
  readonly clientConfig: string;
  /** KAFKA_TOPICS, from the ConfigMap key the env names. */
  readonly topics: string;
  readonly wrap: Wrap;
}

/** The consumers' and the harness's Kafka clients: consumer pods, authorization probes, reads by offset. */
export class KafkaClients {
  private hostsFile?: string;

  constructor(
    private readonly dir: string,
    private readonly rendered: RenderedPipeline,
    private readonly jvm: Jvm,
    private readonly kafka: KafkaNodes,
    private readonly certs: () => Certificates,
  ) {}

  /**
   * A consumer's pod with its KafkaAccess Secret as the access operator writes it (the cluster CA
   * and a JAAS line with the KafkaUser's password, or `password`).
   */
  pod(consumer: string, password = this.kafka.passwords.get(consumer) as string): ConsumerPod {
    const deployment = this.rendered.of('Deployment', consumer);
    const container = deployment.spec.template.spec.containers[0];
    const volumes = new Map<string, any>(deployment.spec.template.spec.volumes.map((v: any) => [v.name, v]));
    const root = join(this.dir, `pod-${consumer}-${randomBytes(3).toString('hex')}`);
    const mounts: PodMount[] = [];
    for (const volumeMount of container.volumeMounts) {
      const volume = volumes.get(volumeMount.name);
      const source = join(root, volumeMount.name);
      if (volume.configMap) this.writeFiles(source, this.rendered.of('ConfigMap', volume.configMap.name).data);
      else if (volume.secret?.secretName === this.accessSecret(consumer)) this.writeFiles(source, this.accessFiles(consumer, password));
      else continue;
      mounts.push({ source, target: volumeMount.mountPath });
    }
    const env = new Map<string, any>(container.env.map((e: any) => [e.name, e]));
    const topicsRef = env.get('KAFKA_TOPICS').valueFrom.configMapKeyRef;
    return {
      consumer,
      clientConfig: env.get('KAFKA_CLIENT_CONFIG').value,
      topics: this.rendered.of('ConfigMap', topicsRef.name).data[topicsRef.key],
      wrap: withPodMounts(this.dir, mounts),
    };
  }

  /**
   * Starts a consumer as its pod would, with the rendered client config; its records land in a
   * JSON-lines file. `recordDelayMs`: a slow application (each record takes this long, and it polls
   * one record at a time, so its client sees the lag grow);
   * `metricsAddress`: the JMX exporter with the rendered kafka-consumer-metrics rules, serving there.
   */
  startConsumer(consumer: string, options: { recordDelayMs?: number; metricsAddress?: { host: string; port: number } } = {}): ConsumerRun {
    const pod = this.pod(consumer);
    const out = join(this.dir, `${consumer}-${Date.now()}.jsonl`);
    const stop = `${out}.stop`;
    writeFileSync(out, '');
    const inPod = this.inPod(pod);
    const jvmOptions = [...inPod.jvmOptions, ...(options.recordDelayMs ? [`-Dcdc8s.recordDelayMs=${options.recordDelayMs}`, '-Dcdc8s.maxPollRecords=1'] : [])];
    if (options.metricsAddress) {
      const rules = join(this.dir, 'consumer-metrics.yml');
      writeFileSync(rules, this.rendered.of('ConfigMap', CONSUMER_METRICS_CONFIG_MAP).data[JMX_RULES_KEY]);
      jvmOptions.push(`-javaagent:${this.jvm.bin.metricsAgent}=${options.metricsAddress.host}:${options.metricsAddress.port}:${rules}`);
    }
    const process = this.jvm
      .process(`consumer ${consumer}`, {
        heapMb: 256,
        main: 'cdc8s.e2e.E2eTool',
        args: ['consume', pod.clientConfig, pod.topics, out, stop],
        wrap: inPod.wrap,
        jvmOptions,
        log: `${consumer}.log`,
      })
      .start();
    return new ConsumerRun(process, out, stop, this.transactionTopic ? [this.transactionTopic] : []);
  }

  /** Runs a probe (produce or consume) as a consumer's pod, or with a client config file of the harness's; returns ALLOWED or DENIED <exception>. */
  probe(client: ConsumerPod | string, ...action: string[]): string {
    const [file, options] = typeof client === 'string' ? [client, {}] : [client.clientConfig, this.inPod(client)];
    return this.jvm
      .tool(['probe', file, ...action], { check: false, ...options })
      .trim()
      .split('\n')
      .pop() as string;
  }

  /**
   * The records at offsets [from, to) of one partition (`to` -1: its end now), read without a group as the harness's
   * admin, read_committed (what a consumer may see; `isolation: 'read_uncommitted'` shows aborted data too).
   */
  read(topic: string, partition: number, from = 0, to = -1, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): ConsumedRecord[] {
    const file = join(this.dir, `read-${isolation}.properties`);
    writeFileSync(file, `${readFileSync(this.kafka.adminProperties(), 'utf8')}\nisolation.level=${isolation}\n`);
    return parseRecords(this.jvm.tool(['read', file, topic, String(partition), String(from), String(to)]));
  }

  /** The transaction metadata topic, when the rendered connector provides it. */
  get transactionTopic(): string | undefined {
    const config = this.rendered.of('KafkaConnector').spec.config;
    return config['provide.transaction.metadata'] === true ? transactionTopicName(config['topic.prefix']) : undefined;
  }

  /** Client properties for the Connect user, exactly as its worker authenticates. */
  connectUserProperties(): string {
    const user = this.rendered.of('KafkaConnect').spec.authentication.username;
    const file = join(this.dir, 'connect-user.properties');
    const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${this.kafka.passwords.get(user)}";`;
    const lines = [`bootstrap.servers=${this.kafka.bootstrapServers}`, 'security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512', `sasl.jaas.config=${jaas}`];
    writeFileSync(file, [...lines, 'ssl.truststore.type=PEM', `ssl.truststore.location=${this.certs().caPem}`].join('\n'));
    return file;
  }

  /** The pod's mounts, and its bootstrap Service's name resolving to every broker (the JDK's hosts-file resolver). */
  private inPod(pod: ConsumerPod): { wrap: Wrap; jvmOptions: string[] } {
    return { wrap: pod.wrap, jvmOptions: [`-Djdk.net.hosts.file=${this.bootstrapHosts()}`] };
  }

  /** A hosts file mapping the rendered bootstrap Service's name to each broker's loopback address (written once). */
  private bootstrapHosts(): string {
    if (this.hostsFile) return this.hostsFile;
    const names = bootstrapServiceNames(this.rendered.of('Kafka')).join(' ');
    const lines = this.kafka.brokerIds().map((id) => `${this.kafka.addressOf(id)} ${names}`);
    this.hostsFile = join(this.dir, 'bootstrap-hosts');
    writeFileSync(this.hostsFile, ['127.0.0.1 localhost', ...lines, ''].join('\n'));
    return this.hostsFile;
  }

  /** The Secret the consumer's KafkaAccess writes (`spec.secretName`). */
  private accessSecret(consumer: string): string {
    const access = this.rendered.objects.find((o) => o.kind === 'KafkaAccess' && o.spec.user?.name === consumer);
    if (!access) throw new Error(`no KafkaAccess for ${consumer}`);
    return access.spec.secretName ?? access.metadata.name;
  }

  /** The keys of a KafkaAccess Secret the client config reads: the cluster CA and the SCRAM JAAS line. */
  private accessFiles(consumer: string, password: string): Record<string, string> {
    return {
      'ssl.truststore.crt': readFileSync(this.certs().caPem, 'utf8'),
      'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${consumer}" password="${password}";`,
    };
  }

  private writeFiles(dir: string, files: Readonly<Record<string, string>>): void {
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  }
}
