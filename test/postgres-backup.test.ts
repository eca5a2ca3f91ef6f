import { describe, expect, it } from 'vitest';
import { configMapData, ENVIRONMENTS, file, objectsOf, ofKind, render } from './helpers';

/** A container's pgBackRest repository settings (its PGBACKREST_REPO1_* env). */
function repositoryOf(container: { env?: { name: string; value?: string }[] }): Record<string, string> {
  return Object.fromEntries((container.env ?? []).filter((e) => e.name.startsWith('PGBACKREST_REPO1_')).map((e) => [e.name, e.value as string]));
}

describe.each(ENVIRONMENTS)('%s: backups and point-in-time recovery', (env) => {
  const rendered = render(env);
  const objects = objectsOf(rendered);
  const statefulSet = ofKind(objects, 'StatefulSet').find((s) => s.metadata.name === 'postgres');
  const pod = statefulSet?.spec.template.spec;
  const serviceAccount = ofKind(objects, 'ServiceAccount').find((s) => s.metadata.name === pod.serviceAccountName && s.metadata.namespace === statefulSet?.metadata.namespace);
  const policy = ofKind(objects, 'NetworkPolicy').find((p) => p.metadata.name === 'postgres');

  it('archives every WAL segment and keeps the configured number of full backups', () => {
    const postgresqlConf = file(rendered, `images/postgres-debezium/${env}/postgresql.conf`);
    expect(postgresqlConf).toMatch(/^archive_mode = on$/m);
    expect(postgresqlConf).toMatch(/^archive_command = 'pgbackrest --stanza=cdc8s archive-push %p'$/m);
    // Debezium's heartbeat writes WAL every 10 s, so every archive_timeout switches segments: 12 an hour at 300 s.
    expect(file(rendered, `images/postgres-debezium/${env}/environment.conf`)).toMatch(/^archive_timeout = 300$/m);
    // The server's archive_command and the sidecar read the same file and the same repository settings.
    const runners = pod.containers.filter((c: { name: string }) => ['postgres', 'backup'].includes(c.name));
    expect(runners).toHaveLength(2);
    for (const container of runners) {
      expect(container.volumeMounts).toContainEqual({ name: 'backup-config', mountPath: '/etc/pgbackrest', readOnly: true });
      expect(repositoryOf(container)).toEqual(repositoryOf(runners[0]));
      expect(repositoryOf(container).PGBACKREST_REPO1_RETENTION_FULL).toBe('4');
    }
  });

  it('runs the backup sidecar restricted, from the database image (pinned by digest where the base is)', () => {
    const backup = pod.containers.find((c: { name: string }) => c.name === 'backup');
    expect(backup.image).toBe(pod.containers[0].image);
    expect(backup.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(backup.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data', readOnly: true });
    expect(serviceAccount?.automountServiceAccountToken).toBe(false);
  });

  it('tells the truth: ready once the stanza exists and archiving worked, live only while archiving keeps up and a good backup is recent', () => {
    const backup = pod.containers.find((c: { name: string }) => c.name === 'backup');
    const script = configMapData(objects, 'postgres-backup')['backup.sh'];
    expect(backup.readinessProbe.exec.command).toEqual(['test', '-f', '/tmp/backup-ready']);
    // The readiness file is touched once, after stanza-create and pgBackRest's archive check succeeded.
    expect(script.match(/touch /g)).toHaveLength(1);
    expect(script).toMatch(/until pgbackrest --stanza="\$stanza" stanza-create && pgbackrest --stanza="\$stanza" check; do[\s\S]*done\ntouch "\$ready"\n/);
    expect(backup.env).toContainEqual({ name: 'CDC8S_READY_FILE', value: '/tmp/backup-ready' });
    // Liveness: WAL waiting for archiving at most max(10 min, 3 archive_timeouts); a good backup at
    // most the interval plus two looks of the loop old (unless one runs).
    expect(backup.livenessProbe.exec.command).toEqual(['bash', '/etc/pgbackrest/health.sh', 'cdc8s', '900', String(24 * 3600 + 600)]);
    expect(backup.livenessProbe.initialDelaySeconds).toBeGreaterThanOrEqual(60);
    expect(configMapData(objects, 'postgres-backup')['health.sh']).toContain('pg_ls_archive_statusdir()');
    expect(backup.env).toContainEqual({ name: 'PGHOST', value: '/var/run/postgresql' });
  });

  it("writes to the platform's repository with the database pod's own identity, and may reach only it", () => {
    // pgBackRest's option names, from the PGBACKREST_REPO1_* environment it reads them from.
    const repo = Object.fromEntries(
      Object.entries(repositoryOf(pod.containers[0])).map(([name, value]) => [
        name
          .replace(/^PGBACKREST_/, '')
          .toLowerCase()
          .replaceAll('_', '-'),
        value,
      ]),
    );
    const egress = JSON.stringify(policy?.spec.egress ?? []);
    if (env === 'eks') {
      expect(repo).toMatchObject({
        'repo1-type': 's3',
        'repo1-s3-bucket': 'cdc8s-eks-postgres-backups',
        'repo1-s3-region': 'eu-west-1',
        'repo1-s3-key-type': 'web-id',
        'repo1-path': '/eks',
      });
      expect(serviceAccount?.metadata.annotations).toMatchObject({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/cdc8s-postgres-backup' });
      expect(egress).toContain('"port":443');
    } else if (env === 'gke') {
      expect(repo).toMatchObject({ 'repo1-type': 'gcs', 'repo1-gcs-bucket': 'cdc8s-gke-postgres-backups', 'repo1-gcs-key-type': 'auto', 'repo1-path': '/gke' });
      expect(serviceAccount?.metadata.annotations).toMatchObject({ 'iam.gke.io/gcp-service-account': 'cdc8s-postgres-backup@cdc8s-prod.iam.gserviceaccount.com' });
      expect(egress).toContain('169.254.169.254/32');
    } else {
      expect(repo).toMatchObject({ 'repo1-type': 'posix', 'repo1-path': '/var/lib/pgbackrest' });
      const claim = ofKind(objects, 'PersistentVolumeClaim').find((c) => c.metadata.name === 'postgres-backup');
      expect(claim?.spec.storageClassName).toBe('standard');
      expect(pod.volumes).toContainEqual({ name: 'backup-repository', persistentVolumeClaim: { claimName: 'postgres-backup' } });
      // No cloud: the server and its tools open no connection of their own.
      expect(policy?.spec.egress ?? []).toEqual(expect.not.arrayContaining([expect.objectContaining({ ports: [expect.objectContaining({ port: 443 })] })]));
    }
  });
});
