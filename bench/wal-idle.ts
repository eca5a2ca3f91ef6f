/**
 * `npm run bench -- --wal-idle [--minutes 15]`: WAL segments archived per hour by an idle database,
 * as rendered: the image's PostgreSQL and pgBackRest (the test root), the rendered archive_command,
 * the backup sidecar, and Debezium's heartbeat action query run at its interval, as the connector
 * runs it. The rendered archive_timeout beside the previous default (60 s). Measures; never asserts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvironment } from '../src/output/render';
import { packageRoot } from '../src/model/package-root';
import { imageContextOf, PostgresServer } from '../e2e/harness/postgres-server';
import { prepareDatabaseRoot } from '../e2e/harness/postgres-root';
import { resolveConfig } from '../src/platforms/resolve';

export interface WalIdleRow {
  readonly archiveTimeoutSeconds: number;
  readonly minutes: number;
  readonly archived: number;
  readonly perHour: number;
  readonly walBytesPerHour: number;
}

/** One idle database with `archiveTimeoutSeconds`, heartbeats only, for `minutes`. */
async function idle(archiveTimeoutSeconds: number, minutes: number): Promise<WalIdleRow> {
  const file = join(packageRoot(), 'environments', 'eks.yaml');
  const config = parse(readFileSync(file, 'utf8'));
  config.postgres.clientCidrs = ['127.0.0.1/32'];
  config.postgres.backup = { ...config.postgres.backup, archiveTimeoutSeconds };
  const rendered = renderEnvironment(resolveConfig('eks', file, config));
  const objects = rendered.documents.flatMap((d) => d.objects) as any[];
  prepareDatabaseRoot(imageContextOf(rendered.files, 'eks'));
  const debezium = { user: 'debezium', password: 'bench-debezium', database: 'transactions' };
  const { server } = await PostgresServer.startAsRendered(rendered.files, objects, 'eks', { app: 'bench-app', debezium: debezium.password });
  const sidecar = server.startBackupLoop();
  try {
    // The steady state: after the sidecar's stanza check and its first full backup has finished
    // (each switches a segment; a backup also archives its history file).
    const backedUp = () => {
      const [info] = JSON.parse(server.pgbackrest('--stanza=cdc8s', '--output=json', 'info'));
      return info.backup.length > 0 && !info.status.lock.backup.held;
    };
    for (let i = 0; i < 300 && !(server.probe('backup', 'readinessProbe').status === 0 && backedUp()); i++) await sleep(1_000);
    await sleep(5_000);
    const connector = objects.find((o) => o.kind === 'KafkaConnector').spec.config;
    const at = () => server.superuser("SELECT archived_count || ' ' || (pg_current_wal_lsn() - '0/0') FROM pg_stat_archiver", 'postgres').split(' ').map(Number);
    const [archivedBefore, lsnBefore] = at();
    const end = Date.now() + minutes * 60_000;
    while (Date.now() < end) {
      // What the connector runs every heartbeat.interval.ms, as its role.
      server.client(debezium, connector['heartbeat.action.query']);
      await sleep(Number(connector['heartbeat.interval.ms']));
    }
    const [archivedAfter, lsnAfter] = at();
    const archived = archivedAfter - archivedBefore;
    return { archiveTimeoutSeconds, minutes, archived, perHour: (archived * 60) / minutes, walBytesPerHour: ((lsnAfter - lsnBefore) * 60) / minutes };
  } finally {
    // Its own processes only: the other measurement runs beside it.
    await sidecar.stop();
    await server.stop();
  }
}

/** The rendered default and the previous one, measured side by side. */
export async function benchWalIdle(minutes: number, progress: (m: string) => void): Promise<WalIdleRow[]> {
  progress(`bench: two idle databases for ${minutes} minutes (archive_timeout 300 s and 60 s), heartbeats only`);
  return Promise.all([idle(300, minutes), idle(60, minutes)]);
}

export function formatWalIdle(rows: readonly WalIdleRow[]): string {
  return [
    `Measured ${new Date().toISOString().slice(0, 10)}: an idle database as rendered (the image's PostgreSQL 17 and pgBackRest, the backup sidecar, Debezium's heartbeat every 10 s), ${rows[0]?.minutes} minutes each.`,
    '',
    '| archive_timeout | segments archived | per hour | WAL written per hour |',
    '| ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.archiveTimeoutSeconds} s | ${r.archived} | ${r.perHour.toFixed(1)} | ${(r.walBytesPerHour / 2 ** 20).toFixed(1)} MiB |`),
  ].join('\n');
}
