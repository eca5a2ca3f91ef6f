import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_STANZA, PGBACKREST_PACKAGE } from '../src/constructs/postgres-backup';
import { availableOrSkip } from '../e2e/harness/available';
import { configMapData, PostgresServer, postgresAvailable } from '../e2e/harness/postgres-server';
import { eventually, stopAll } from '../e2e/harness/process';
import { file, objectsOf, RawConfig, renderVariant } from './helpers';

const pgbackrest = spawnSync('pgbackrest', ['version'], { encoding: 'utf8' });
const ready = postgresAvailable() && availableOrSkip(pgbackrest.status === 0 ? undefined
  : `pgBackRest not found: install the version the image carries (Debian: apt-get install ${PGBACKREST_PACKAGE})`);

/**
 * Backups and point-in-time recovery with the rendered pgBackRest configuration (minikube's: a
 * directory repository) on a real PostgreSQL whose rendered archive_command ships every WAL segment.
 */
describe.runIf(ready)('the rendered backups restore a real PostgreSQL to a point in time', () => {
  const rendered = renderVariant('minikube', (config: RawConfig) => { config.postgres.clientCidrs = ['127.0.0.1/32']; });
  const objects = objectsOf(rendered);
  const app = { user: 'transactions_app', password: 'app-test-password', database: 'transactions' };
  const backupFiles = configMapData(objects, 'postgres-backup');
  let server: PostgresServer;
  const stanza = `--stanza=${BACKUP_STANZA}`;
  const count = () => server.client(app, 'SELECT count(*) FROM public.accounts').stdout.trim();

  beforeAll(() => {
    const started = PostgresServer.startAsRendered(rendered.files, objects, 'minikube', { app: app.password, debezium: 'debezium-test-password' });
    server = started.server;
    expect(started.init.status).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    server?.stop();
  });

  it('the image carries the version tested here', () => {
    expect(file(rendered, 'images/postgres-debezium/minikube/Dockerfile')).toContain(`apt-get install -y --no-install-recommends ${PGBACKREST_PACKAGE}`);
    expect(pgbackrest.stdout.trim()).toBe(`pgBackRest ${PGBACKREST_PACKAGE.split('=')[1].replace(/-\d+$/, '')}`);
  });

  it('archives WAL through the rendered archive_command and keeps the configured retention', () => {
    expect(backupFiles['pgbackrest.conf']).toMatch(/^repo1-retention-full=4$/m);
    server.pgbackrest(stanza, 'stanza-create');
    // pgBackRest's own check: a WAL switch is archived through the server's archive_command.
    server.pgbackrest(stanza, 'check');
    expect(server.superuser('SELECT archived_count > 0 AND failed_count = 0 FROM pg_stat_archiver', 'postgres')).toBe('t');
  });

  it('the rendered backup sidecar creates the stanza and takes the first full backup', async () => {
    const sidecar = server.startBackupLoop(backupFiles['backup.sh']);
    const fullBackups = () => JSON.parse(server.pgbackrest(stanza, '--output=json', 'info'))[0].backup.filter((b: { type: string }) => b.type === 'full').length;
    await eventually(() => fullBackups() === 1, 60_000, () => `no full backup:\n${sidecar.tail(20)}`, 1_000);
    expect(sidecar.tail(20)).toContain('full backup done');
    await sidecar.stop();
  }, 90_000);

  it('restores to a point in time: what was committed before it is back, what came after is not', () => {
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
    server.restoreToTime(target);
    for (let i = 0; i < 60 && server.superuser('SELECT pg_is_in_recovery()', 'postgres') !== 'f'; i++) spawnSync('sleep', ['1']);
    expect(server.superuser('SELECT pg_is_in_recovery()', 'postgres')).toBe('f');
    expect(count()).toBe('150');
    // The restored server archives again (a new timeline) and takes the next backup.
    expect(server.client(app, 'INSERT INTO public.accounts VALUES (1000)').status).toBe(0);
    server.pgbackrest(stanza, 'check');
    const info = JSON.parse(server.pgbackrest(stanza, '--output=json', 'info'));
    expect(info[0].backup.filter((b: { type: string }) => b.type === 'full').length).toBe(2);
  }, 120_000);
});
