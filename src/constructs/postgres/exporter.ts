import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { restrictedContainerSecurityContext } from '../k8s/security';
import { shippedFile } from '../k8s/shipped-files';
import { MONITOR_ROLE } from './database-target';

/** postgres_exporter's port (its default, :9187), named for the PodMonitor. */
export const POSTGRES_EXPORTER_PORT = 9187;
export const METRICS_PORT_NAME = 'metrics';
/** The Debian package's binary (the image installs prometheus-postgres-exporter). */
const EXPORTER_BINARY = '/usr/bin/prometheus-postgres-exporter';
const QUERIES_DIR = '/etc/cdc8s/exporter';

export interface PostgresExporterProps {
  /** Name of the ConfigMap with the queries. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/**
 * postgres_exporter as a container of the database pod, from the database image itself (the version
 * the tests scrape): it logs in over the shared socket as the pg_monitor role by peer
 * authentication (no password exists), to the maintenance database, and adds the pipeline's queries
 * (files/exporter-queries.yaml: slots, the archiver, the newest backup) to its built-in collectors.
 */
export class PostgresExporter extends Construct {
  private readonly configMapName: string;

  constructor(scope: Construct, id: string, props: PostgresExporterProps) {
    super(scope, id);
    this.configMapName = props.name;
    new k8s.KubeConfigMap(this, 'Queries', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      data: { 'queries.yaml': shippedFile('constructs/postgres/files/exporter-queries.yaml') },
    });
  }

  /** The queries ConfigMap as a volume. */
  volume(name: string): k8s.Volume {
    return { name, configMap: { name: this.configMapName, defaultMode: 0o444 } };
  }

  /** The container: `socket` is the server's socket directory mount, `queries` this construct's volume's. */
  container(image: string, server: { readonly socket: k8s.VolumeMount; readonly port: number }, queriesVolume: string, resources: k8s.ResourceRequirements): k8s.Container {
    const probe = { tcpSocket: { port: k8s.IntOrString.fromString(METRICS_PORT_NAME) }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 };
    return {
      name: 'exporter',
      image,
      imagePullPolicy: 'IfNotPresent',
      command: [EXPORTER_BINARY, `--web.listen-address=:${POSTGRES_EXPORTER_PORT}`, `--extend.query-path=${QUERIES_DIR}/queries.yaml`],
      env: [{ name: 'DATA_SOURCE_NAME', value: `host=${server.socket.mountPath} port=${server.port} user=${MONITOR_ROLE} dbname=postgres sslmode=disable` }],
      ports: [{ name: METRICS_PORT_NAME, containerPort: POSTGRES_EXPORTER_PORT, protocol: 'TCP' }],
      resources,
      securityContext: restrictedContainerSecurityContext(),
      readinessProbe: probe,
      livenessProbe: probe,
      volumeMounts: [server.socket, { name: queriesVolume, mountPath: QUERIES_DIR, readOnly: true }],
    };
  }
}
