import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_STANZA, PGBACKREST_CONFIG_DIR } from '../src/constructs/postgres/backup';
import { PostgresServer, postgresAvailable } from '../e2e/harness/postgres-server';
import { eventually, sleep, stopAll } from '../e2e/harness/process';
import { objectsOf, RawConfig, renderVariant } from './helpers';

const rendered = renderVariant('minikube', (config: RawConfig) => {
  config.postgres.clientCidrs = ['127.0.0.1/32'];
});

/**
 * Backups and point-in-time recovery with the rendered pgBackRest configuration (minikube's: a
 * volume repository) on the image's PostgreSQL and pgBackRest, whose rendered archive_command
 * ships every WAL segment, and the backup sidecar's probes telling the truth about both.
 */
describe.runIf(postgresAvailable(rendered.files, 'minikube'))('the rendered backups restore a real PostgreSQL to a point in time', () => {
  const objects = objectsOf(rendered);
  const app = { user: 'transactions_app', password: 'app-test-password', database: 'transactions' };
  let server: PostgresServer;
  const stanza = `--stanza=${BACKUP_STANZA}`;
  const count = () => server.client(app, 'SELECT count(*) FROM public.accounts').stdout.trim();
  const fullBackups = () => JSON.parse(server.pgbackrest(stanza, '--output=json', 'info'))[0].backup.filter((b: { type: string }) => b.type === 'full').length;
  /** The liveness probe's own script with other bounds: the rendered bounds are minutes and hours. */
  /** Some WAL (a logical message, as Debezium's heartbeat writes), then a switch: a segment due for archiving. */
  const completeSegment = () => server.superuser("SELECT pg_logical_emit_message(false, 'test', 'x'); SELECT pg_switch_wal()", 'postgres');
  const health = (archiveBound: number, backupBound: number) =>
    server.exec('backup', ['bash', `${PGBACKREST_CONFIG_DIR}/health.sh`, BACKUP_STANZA, String(archiveBound), String(backupBound)]);

  beforeAll(async () => {
    server = (await PostgresServer.startAsRendered(rendered.files, objects, 'minikube', { app: app.password, debezium: 'debezium-test-password' })).server;
    expect(server.log()).not.toMatch(/ERROR/);
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await server?.stop();
  });

  it('the backup sidecar is not ready, and not live, before the stanza exists: nothing is backed up yet', () => {
    expect(server.probe('backup', 'readinessProbe').status).not.toBe(0);
    const live = server.probe('backup', 'livenessProbe');
    expect(live.status).not.toBe(0);
    expect(live.stderr).toMatch(/pgbackrest info failed|no good backup/);
  });

  it('the rendered backup sidecar creates the stanza, proves archiving, takes the first full backup; then both probes pass', async () => {
    const sidecar = server.startBackupLoop();
    await eventually(
      () => server.probe('backup', 'readinessProbe').status === 0,
      60_000,
      () => `not ready:\n${sidecar.tail(20)}`,
      1_000,
    );
    // The repository lists the backup before pgBackRest exits (its expire step follows): wait for the loop's own line too.
    await eventually(
      () => fullBackups() === 1 && sidecar.log().includes('full backup done'),
      60_000,
      () => `no full backup:\n${sidecar.tail(20)}`,
      1_000,
    );
    // The WAL of the backup went through the rendered archive_command.
    expect(server.superuser('SELECT archived_count > 0 AND failed_count = 0 FROM pg_stat_archiver', 'postgres')).toBe('t');
    const live = server.probe('backup', 'livenessProbe');
    expect(live.stderr).toBe('');
    expect(live.status).toBe(0);
    await sidecar.stop();
  }, 90_000);

  it('liveness fails while WAL archiving fails, naming how long a segment has waited, and passes once it catches up', async () => {
    const repository = join(server.dir, 'volumes', 'backup-repository');
    const archive = join(repository, 'archive');
    expect(readdirSync(archive)).toContain(BACKUP_STANZA);
    const mode = statSync(repository).mode & 0o7777;
    // The repository refuses writes (a bucket gone, a revoked grant): archive_command fails.
    chmodSync(repository, 0o500);
    try {
      completeSegment();
      await eventually(
        () => Number(server.superuser('SELECT failed_count FROM pg_stat_archiver', 'postgres')) > 0,
        30_000,
        () => 'archive_command never failed',
      );
      await sleep(2_000);
      const stuck = health(1, 3600);
      expect(stuck.status).toBe(1);
      expect(stuck.stderr).toMatch(/WAL archiving is stuck: the oldest segment has waited \d+ s \(bound 1 s\); archive_command failed \d+ times, last for [0-9A-F]{24}/);
    } finally {
      chmodSync(repository, mode);
    }
    // The archiver retries a failing segment a minute later; another completed segment wakes it.
    completeSegment();
    await eventually(
      () => health(1, 3600).status === 0,
      90_000,
      () => `archiving did not catch up: ${health(1, 3600).stderr}`,
      2_000,
    );
  }, 150_000);

  it('liveness fails when the newest good backup is older than its bound, and none runs', async () => {
    await sleep(2_000);
    const old = health(600, 1);
    expect(old.status).toBe(1);
    expect(old.stderr).toMatch(/the newest good backup is \d+ s old \(bound 1 s\), and none is running/);
  });

  it('archives WAL through the rendered archive_command and keeps the configured retention', () => {
    // pgBackRest's own check: a WAL switch is archived through the server's archive_command.
    server.pgbackrest(stanza, 'check');
    // The retention pgBackRest applies, as its expire command took it from the container's environment
    // (its first line lists the options it was given).
    const begin = server
      .pgbackrest(stanza, '--dry-run', 'expire')
      .split('\n')
      .find((line) => line.includes('expire command begin'));
    expect(begin).toContain(' --repo1-retention-full=4 ');
    expect(server.superuser('SELECT archived_count > 0 FROM pg_stat_archiver', 'postgres')).toBe('t');
  });

  it('restores to a point in time: what was committed before it is back, what came after is not', async () => {
    expect(server.client(app, 'CREATE TABLE public.accounts (id bigint PRIMARY KEY); INSERT INTO public.accounts SELECT generate_series(1, 100)').status).toBe(0);
    server.pgbackrest(stanza, '--type=full', 'backup');
    // pgBackRest picks the backup by its stop time in whole seconds: the target must be later.
    server.superuser('SELECT pg_sleep(2)', 'postgres');
    expect(server.client(app, 'INSERT INTO public.accounts SELECT generate_series(101, 150)').status).toBe(0);
    // The restore point: after the second batch committed, before the third.
    const target = server.superuser('SELECT pg_sleep(1); SELECT now()::text', 'postgres').split('\n').pop() as string;
    server.superuser('SELECT pg_sleep(1)', 'postgres');
    expect(server.client(app, 'INSERT INTO public.accounts SELECT generate_series(151, 200)').status).toBe(0);
    server.superuser('SELECT pg_switch_wal()', 'postgres');
    server.pgbackrest(stanza, 'check');
    expect(count()).toBe('200');
    await server.restoreToTime(target);
    await eventually(
      () => server.superuser('SELECT pg_is_in_recovery()', 'postgres') === 'f',
      60_000,
      () => 'still in recovery',
    );
    expect(count()).toBe('150');
    // The restored server archives again (a new timeline) and takes the next backup.
    expect(server.client(app, 'INSERT INTO public.accounts VALUES (1000)').status).toBe(0);
    server.pgbackrest(stanza, 'check');
    expect(fullBackups()).toBe(2);
  }, 120_000);
});
