import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CapturedTable, Resources } from '../../model/config';
import { selectorLabels, workloadLabels } from '../k8s/labels';
import { POSTGRES_CONFIG_FILE, POSTGRES_DATA_DIR, POSTGRES_PORT, POSTGRES_SECRET_MOUNTS, POSTGRES_SOCKET_DIR, POSTGRES_UID, PostgresDebeziumImage } from './image';
import { NetworkFlow, podPeer, PodPeer, WorkloadNetworkPolicy } from '../k8s/network-policy';
import { RequiredSecret } from '../k8s/required-secret';
import { mebibytes, resourceRequirements } from '../k8s/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../k8s/security';
import { PostgresReconcile, RECONCILE_DIR } from './reconcile';
import { CapturedTableGuards, DatabaseTarget } from './database-target';
import { POSTGRES_TLS_DIR, PostgresServerCertificate } from './tls';
import { BACKUP_VOLUME_PATH, PGBACKREST_CONFIG_DIR, PostgresBackup } from './backup';
import { BackupRepository } from '../../model/backup-repository';
import { applyCallerMetadata, CallerMetadata } from '../k8s/caller-metadata';
import { POSTGRES_EXPORTER_PORT, PostgresExporter } from './exporter';

/** Where the data volume is mounted; the data directory is a subdirectory of it (POSTGRES_DATA_DIR). */
const DATA_VOLUME_PATH = '/var/lib/postgresql/data';

/**
 * The autoscalers' own opt-outs (they may evict outside the PodDisruptionBudget's view when
 * consolidating): cluster-autoscaler's and Karpenter's.
 */
const DO_NOT_DISRUPT = { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false', 'karpenter.sh/do-not-disrupt': 'true' };

/** The server's container in the database pod (beside the reconcile and backup sidecars). */
export const POSTGRES_CONTAINER = 'postgres';

export interface PostgresProps {
  /** Labels and annotations added to every object it renders (its own win). */
  readonly metadata?: CallerMetadata;
  /** Name of the Service and StatefulSet; clients connect to `<name>.<namespace>.svc`. */
  readonly name: string;
  readonly namespace: string;
  /** Environment name, for the instance label. */
  readonly instance: string;
  /** The Debezium-ready image to run; its first-start script runs the reconcile. */
  readonly image: PostgresDebeziumImage;
  /** Application database, owned by the app role. */
  readonly database: string;
  readonly roles: { readonly app: string; readonly debezium: string };
  /** Timeouts the reconcile sets on the application role (seconds). */
  readonly appSessionLimits: DatabaseTarget['appSessionLimits'];
  /** What the reconcile keeps the database at for Debezium: tables, publication, signal table, and each table's guards. */
  readonly capture: { readonly tables: readonly CapturedTable[]; readonly publication: string; readonly signalTable: CapturedTable; readonly guards: CapturedTableGuards };
  /** Requests and limits of the reconcile sidecar. */
  readonly reconcileResources: Resources;
  /** Backups: the platform's repository (and its volume claim, on minikube), retention, schedule. */
  readonly backup: {
    readonly repository: BackupRepository;
    readonly claim?: { readonly claimName: string; readonly storageClassName: string; readonly volumeName?: string; readonly size: string };
    readonly retentionFull: number;
    readonly fullEveryHours: number;
    /** postgresql.conf `archive_timeout`, seconds (the image's). */
    readonly archiveTimeoutSeconds: number;
    readonly resources: Resources;
    /** Annotations binding the pod's ServiceAccount to the cloud identity that writes the repository. */
    readonly serviceAccountAnnotations: Record<string, string>;
    /** Where the backup tool connects: the object store's API and the identity's endpoints. */
    readonly egress: readonly NetworkFlow[];
  };
  /** Name of the PersistentVolumeClaim the data lives on. */
  readonly claimName: string;
  /** Storage class (and static volume) the platform resolved for the claim. */
  readonly storageClassName: string;
  /** Static PersistentVolume to bind to, when the platform pre-creates one. */
  readonly volumeName?: string;
  /** Size of the data volume, e.g. `50Gi`. */
  readonly storageSize: string;
  /** Requests and limits of the postgres container. */
  readonly resources: Resources;
  /** Credential Secrets, mounted as files (never environment values). */
  readonly secrets: { readonly superuser: RequiredSecret; readonly app: RequiredSecret; readonly debezium: RequiredSecret };
  /** The only pods that may open connections to Postgres (the API's, Connect's). */
  readonly clients: readonly PodPeer[];
  /** Where its pods resolve names (the platform's DNS). */
  readonly dns: readonly NetworkFlow[];
  /** postgres_exporter beside the server, with these resources, scraped from these pods. Omitted: none. */
  readonly exporter?: { readonly resources: Resources; readonly scrapedFrom: PodPeer };
}

/** Where clients reach the database; pass this, never retype host names. */
export interface PostgresConnection {
  /** Cluster DNS name of the Service, e.g. `postgres.cdc-data.svc.cluster.local`. */
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

/**
 * A single-writer PostgreSQL: a StatefulSet of one on a PersistentVolumeClaim, with its reconcile
 * and backup sidecars, a ClusterIP Service, and a NetworkPolicy that admits only the client pods
 * and lets the pod reach nothing but DNS and the backup repository.
 *
 * StatefulSet rather than a Deployment: a StatefulSet never starts a second pod for the same
 * identity while the first may still run (e.g. on a partitioned node), so two postmasters can
 * never write one data directory.
 */
export class Postgres extends Construct {
  readonly connection: PostgresConnection;
  /** Login roles the reconcile keeps: clients use these, never retyped names. */
  readonly roles: { readonly app: string; readonly debezium: string };
  /** What the reconcile keeps for logical decoding: the connector must use exactly this. */
  readonly logicalReplication: { readonly publication: string; readonly tables: readonly CapturedTable[]; readonly signalTable: CapturedTable };
  readonly reconcile: PostgresReconcile;
  readonly backup: PostgresBackup;
  /** The server's certificate (cert-manager), verified by every client. */
  readonly certificate: PostgresServerCertificate;
  /** postgres_exporter (a container of the pod), when the props ask for it. */
  readonly exporter?: PostgresExporter;
  readonly serviceName: string;
  readonly podLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    super(scope, id);
    const identity = { name: props.name, component: 'database', instance: props.instance, version: props.image.tag };
    const labels = workloadLabels(identity);
    const selector = selectorLabels(identity);
    this.serviceName = props.name;
    this.roles = props.roles;
    this.logicalReplication = props.capture;
    this.podLabels = labels;
    this.connection = { host: `${props.name}.${props.namespace}.svc.cluster.local`, port: POSTGRES_PORT, database: props.database };
    const metadata = (name: string) => ({ name, namespace: props.namespace, labels });

    this.certificate = new PostgresServerCertificate(this, 'Certificate', { environment: props.instance, service: props.name, namespace: props.namespace, labels });
    const serverCertificate = `${POSTGRES_TLS_DIR}/tls.crt`;
    const passwordFiles = { app: `${POSTGRES_SECRET_MOUNTS.app}/password`, debezium: `${POSTGRES_SECRET_MOUNTS.debezium}/password` };

    this.backup = new PostgresBackup(this, 'Backup', {
      name: `${props.name}-backup`,
      namespace: props.namespace,
      labels,
      repository: props.backup.repository,
      retentionFull: props.backup.retentionFull,
      fullEveryHours: props.backup.fullEveryHours,
      archiveTimeoutSeconds: props.backup.archiveTimeoutSeconds,
    });
    const volumeClaim = (id: string, claim: { claimName: string; storageClassName: string; volumeName?: string; size: string }) =>
      new k8s.KubePersistentVolumeClaim(this, id, {
        metadata: metadata(claim.claimName),
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: claim.storageClassName,
          ...(claim.volumeName ? { volumeName: claim.volumeName } : {}),
          resources: { requests: { storage: k8s.Quantity.fromString(claim.size) } },
        },
      });
    if (props.backup.claim) volumeClaim('BackupRepository', props.backup.claim);
    // Its own ServiceAccount: the cloud identity that writes backups is the database pod's alone.
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...metadata(props.name), annotations: props.backup.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    });

    this.reconcile = new PostgresReconcile(this, 'Reconcile', {
      name: props.name,
      namespace: props.namespace,
      labels,
      database: props.database,
      appUser: props.roles.app,
      debeziumUser: props.roles.debezium,
      tables: props.capture.tables,
      publication: props.capture.publication,
      signalTable: props.capture.signalTable,
      guards: props.capture.guards,
      appSessionLimits: props.appSessionLimits,
      passwordFiles,
      socketDir: POSTGRES_SOCKET_DIR,
      port: POSTGRES_PORT,
      // A renewed certificate changes the file: the reconcile's reload makes the server serve it.
      watchedFiles: [passwordFiles.app, passwordFiles.debezium, serverCertificate],
    });

    if (props.exporter) this.exporter = new PostgresExporter(this, 'Exporter', { name: `${props.name}-exporter`, namespace: props.namespace, labels });

    volumeClaim('Data', { claimName: props.claimName, storageClassName: props.storageClassName, volumeName: props.volumeName, size: props.storageSize });

    new k8s.KubeService(this, 'Service', {
      metadata: metadata(props.name),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'postgres', port: POSTGRES_PORT, targetPort: k8s.IntOrString.fromString('postgres'), protocol: 'TCP' }],
      },
    });

    new k8s.KubeStatefulSet(this, 'Workload', {
      metadata: metadata(props.name),
      spec: {
        replicas: 1,
        serviceName: props.name,
        selector: { matchLabels: selector },
        // Postgres cannot hand its data directory over live: stop the old pod before the new one starts.
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels, annotations: DO_NOT_DISRUPT },
          spec: this.podSpec(props),
        },
      },
    });

    // One writer: a voluntary eviction (a node drain, an autoscaler consolidating nodes) would stop
    // the database at a moment nobody chose. Nothing may evict it while it is healthy; move it on
    // purpose (docs/operations.md: "Move the database to another node").
    new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: {
        ...metadata(props.name),
        annotations: {
          'ignore-check.kube-linter.io/pdb-max-unavailable': 'the only writer: nothing evicts it while it is healthy; move it on purpose (docs/operations.md, runbooks)',
        },
      },
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(0),
        selector: { matchLabels: selector },
        // A pod that is not ready serves nothing: it must not block a drain.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    new WorkloadNetworkPolicy(this, 'Network', {
      name: props.name,
      namespace: props.namespace,
      labels,
      podSelector: selector,
      ingress: [
        { peers: props.clients.map(podPeer), ports: [POSTGRES_PORT] },
        ...(props.exporter ? [{ peers: [podPeer(props.exporter.scrapedFrom)], ports: [POSTGRES_EXPORTER_PORT] }] : []),
      ],
      dns: props.dns,
      // The server opens no connections of its own; the backup tool reaches the repository.
      egress: [...props.backup.egress],
    });
    applyCallerMetadata(this, props.metadata);
  }

  private podSpec(props: PostgresProps): k8s.PodSpec {
    const { secrets } = props;
    const quantity = (q: string) => k8s.Quantity.fromString(q);
    // Over the Unix socket as the postgres OS user: pg_hba's `local all postgres peer` admits it.
    // A TCP probe from 127.0.0.1 matches no pg_hba line and logs a FATAL every time it runs.
    const isReady = ['pg_isready', '--host', POSTGRES_SOCKET_DIR, '--port', String(POSTGRES_PORT), '--username', 'postgres', '--dbname', 'postgres', '--timeout', '3'];
    // Each volume where every container that shares it sees it (the sidecars read what the server does).
    const mounts = {
      data: { name: 'data', mountPath: DATA_VOLUME_PATH },
      run: { name: 'run', mountPath: POSTGRES_SOCKET_DIR },
      appSecret: { name: 'app-secret', mountPath: POSTGRES_SECRET_MOUNTS.app, readOnly: true },
      debeziumSecret: { name: 'debezium-secret', mountPath: POSTGRES_SECRET_MOUNTS.debezium, readOnly: true },
      reconcile: { name: 'reconcile', mountPath: RECONCILE_DIR, readOnly: true },
      tls: { name: 'tls', mountPath: POSTGRES_TLS_DIR, readOnly: true },
      // pgBackRest's configuration, and a volume repository (minikube).
      backup: [
        { name: 'backup-config', mountPath: PGBACKREST_CONFIG_DIR, readOnly: true },
        ...(props.backup.claim ? [{ name: 'backup-repository', mountPath: BACKUP_VOLUME_PATH }] : []),
      ],
    };
    return {
      serviceAccountName: props.name,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(POSTGRES_UID),
      // Postgres needs time to checkpoint on shutdown; SIGKILL mid-checkpoint means crash recovery.
      terminationGracePeriodSeconds: 120,
      containers: [
        {
          name: POSTGRES_CONTAINER,
          image: props.image.imageRef,
          imagePullPolicy: 'IfNotPresent',
          args: serverArgs(props.resources),
          ports: [{ name: 'postgres', containerPort: POSTGRES_PORT, protocol: 'TCP' }],
          // What the image's entrypoint reads on first start (files/entrypoint.sh).
          env: [
            // A subdirectory: the volume root may hold lost+found, and initdb wants an empty directory.
            { name: 'PGDATA', value: POSTGRES_DATA_DIR },
            { name: 'POSTGRES_PASSWORD_FILE', value: `${POSTGRES_SECRET_MOUNTS.superuser}/password` },
            { name: 'CDC8S_FIRST_START_SQL', value: `${RECONCILE_DIR}/reconcile.sql` },
            // Where reconcile.sql finds target.json (the same ConfigMap).
            { name: 'CDC8S_RECONCILE_DIR', value: RECONCILE_DIR },
            // archive_command's repository.
            ...this.backup.repositoryEnv,
          ],
          resources: resourceRequirements(props.resources),
          securityContext: restrictedContainerSecurityContext(),
          // First start runs initdb and the init SQL before the server listens on TCP.
          startupProbe: { exec: { command: isReady }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
          readinessProbe: { exec: { command: isReady }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          livenessProbe: { exec: { command: isReady }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
          volumeMounts: [
            mounts.data,
            mounts.run,
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'shm', mountPath: '/dev/shm' },
            { name: 'superuser-secret', mountPath: POSTGRES_SECRET_MOUNTS.superuser, readOnly: true },
            mounts.appSecret,
            mounts.debeziumSecret,
            // First start runs the reconcile from here (the image's init script).
            mounts.reconcile,
            mounts.tls,
            // archive_command runs pgbackrest.
            ...mounts.backup,
          ],
        },
        this.reconcile.container(
          props.image.imageRef,
          [mounts.run, { name: 'reconcile-tmp', mountPath: '/tmp' }, mounts.appSecret, mounts.debeziumSecret, mounts.reconcile, mounts.tls],
          resourceRequirements(props.reconcileResources),
        ),
        this.backup.container(
          props.image.imageRef,
          [{ ...mounts.data, readOnly: true }, mounts.run, { name: 'backup-tmp', mountPath: '/tmp' }, ...mounts.backup],
          resourceRequirements(props.backup.resources),
          { socketDir: POSTGRES_SOCKET_DIR, port: POSTGRES_PORT },
        ),
        ...(this.exporter && props.exporter
          ? [this.exporter.container(props.image.imageRef, { socket: mounts.run, port: POSTGRES_PORT }, 'exporter-queries', resourceRequirements(props.exporter.resources))]
          : []),
      ],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: props.claimName } },
        // Writable paths under a read-only root filesystem: the socket directory and scratch space.
        { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: quantity('16Mi') } },
        { name: 'tmp', emptyDir: { sizeLimit: quantity('256Mi') } },
        // PostgreSQL's dynamic shared memory (parallel queries) lives in /dev/shm, which container
        // runtimes make 64 MiB: a parallel hash join fails with "could not resize shared memory segment".
        { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: quantity(`${sharedMemoryMiB(props.resources)}Mi`) } },
        secrets.superuser.volume('superuser-secret'),
        secrets.app.volume('app-secret'),
        secrets.debezium.volume('debezium-secret'),
        this.reconcile.volume('reconcile'),
        this.certificate.volume('tls'),
        { name: 'reconcile-tmp', emptyDir: { medium: 'Memory', sizeLimit: quantity('1Mi') } },
        this.backup.volume('backup-config'),
        { name: 'backup-tmp', emptyDir: { sizeLimit: quantity('64Mi') } },
        ...(props.backup.claim ? [{ name: 'backup-repository', persistentVolumeClaim: { claimName: props.backup.claim.claimName } }] : []),
        ...(this.exporter ? [this.exporter.volume('exporter-queries')] : []),
      ],
    };
  }
}

/**
 * The server's command: the image's configuration file, and the settings that follow the memory
 * request (on the command line, so a resize changes the pod, not the image). shared_buffers is a
 * quarter of it and effective_cache_size three quarters, PostgreSQL's documented starting points
 * for a dedicated server ("Resource Consumption", "Planner Cost Constants").
 */
function serverArgs(resources: Resources): string[] {
  const memory = mebibytes(resources.requests.memory);
  return [
    'postgres',
    '-c',
    `config_file=${POSTGRES_CONFIG_FILE}`,
    '-c',
    `shared_buffers=${Math.floor(memory / 4)}MB`,
    '-c',
    `effective_cache_size=${Math.floor((memory * 3) / 4)}MB`,
  ];
}

/** The memory volume at /dev/shm: a quarter of the memory request (it counts against the limit). */
function sharedMemoryMiB(resources: Resources): number {
  return Math.max(64, Math.floor(mebibytes(resources.requests.memory) / 4));
}
