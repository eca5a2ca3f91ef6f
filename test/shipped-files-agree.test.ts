import { describe, expect, it } from 'vitest';
import { MONITOR_ROLE } from '../src/constructs/postgres/database-target';
import { shippedFile } from '../src/constructs/k8s/shipped-files';
import { BACKUP_STANZA } from '../src/constructs/postgres/backup';
import {
  POSTGRES_CONFIG_FILE,
  POSTGRES_DATA_DIR,
  POSTGRES_ENTRYPOINT,
  POSTGRES_IMAGE_PATH,
  POSTGRES_PORT,
  POSTGRES_SOCKET_DIR,
  POSTGRES_UID,
  REMOVED_OUTPUT_PLUGINS,
} from '../src/constructs/postgres/image';
import { POSTGRES_TLS_DIR } from '../src/constructs/postgres/tls';
import { POSTGRES_MAJOR } from '../src/model/postgres-versions';
import { parseDockerfile } from '../e2e/harness/postgres-root';

/**
 * The image's Dockerfile and config files ship as they are, the same for every environment; the
 * pod spec the constructs render names the same paths, UID and port in TypeScript. Each test fails
 * when one side changes without the other.
 */
describe("the database image's shipped files agree with what the constructs render around them", () => {
  const settings = (text: string) =>
    new Map(
      text
        .split('\n')
        .map((line) => /^(\w+) = (.*)$/.exec(line))
        .filter((m) => m !== null)
        .map((m) => [m[1], m[2]]),
    );

  it('Dockerfile: the UID, the removed plugins, the entrypoint, the config file and the PATH of the PostgreSQL major', () => {
    const steps = parseDockerfile(`ARG BASE_IMAGE=debian\n${shippedFile('constructs/postgres/files/Dockerfile')}`);
    const args = (keyword: string) => steps.filter((s) => s.keyword === keyword).map((s) => s.args);
    expect(args('USER')).toEqual([`${POSTGRES_UID}:${POSTGRES_UID}`]);
    expect(args('RUN')[0]).toContain(` ${POSTGRES_UID} ${REMOVED_OUTPUT_PLUGINS.join(' ')} `);
    expect(args('COPY')).toContain(`entrypoint.sh ${POSTGRES_ENTRYPOINT}`);
    expect(args('ENTRYPOINT').map((a) => JSON.parse(a))).toEqual([['bash', POSTGRES_ENTRYPOINT]]);
    expect(args('CMD').map((a) => JSON.parse(a))).toEqual([['postgres', '-c', `config_file=${POSTGRES_CONFIG_FILE}`]]);
    expect(args('ENV')[0]).toContain(`PATH=${POSTGRES_IMAGE_PATH} `);
    expect(POSTGRES_IMAGE_PATH).toContain(`/usr/lib/postgresql/${POSTGRES_MAJOR}/bin:`);
  });

  it('postgresql.conf: the port, socket, TLS files, pg_hba and the backup stanza', () => {
    const conf = settings(shippedFile('constructs/postgres/files/postgresql.conf'));
    expect(conf.get('port')).toBe(String(POSTGRES_PORT));
    expect(conf.get('unix_socket_directories')).toBe(`'${POSTGRES_SOCKET_DIR}'`);
    expect(conf.get('ssl_cert_file')).toBe(`'${POSTGRES_TLS_DIR}/tls.crt'`);
    expect(conf.get('ssl_key_file')).toBe(`'${POSTGRES_TLS_DIR}/tls.key'`);
    expect(conf.get('hba_file')).toBe(`'${POSTGRES_CONFIG_FILE.replace(/[^/]+$/, 'pg_hba.conf')}'`);
    expect(conf.get('archive_command')).toBe(`'pgbackrest --stanza=${BACKUP_STANZA} archive-push %p'`);
  });

  it("pgbackrest.conf: the stanza's data directory, socket and port", () => {
    const text = shippedFile('constructs/postgres/files/pgbackrest.conf');
    const stanza = text.slice(text.indexOf(`[${BACKUP_STANZA}]`));
    expect(stanza).not.toBe('');
    expect(stanza).toContain(`pg1-path=${POSTGRES_DATA_DIR}\n`);
    expect(stanza).toContain(`pg1-socket-path=${POSTGRES_SOCKET_DIR}\n`);
    expect(stanza).toContain(`pg1-port=${POSTGRES_PORT}\n`);
  });

  it('pg_hba.conf and pg_ident.conf: postgres_exporter logs in as the monitoring role by peer, as the postgres OS user, to the maintenance database only', () => {
    const hba = shippedFile('constructs/postgres/files/pg_hba.conf')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(hba.filter((l) => l.includes(MONITOR_ROLE)).map((l) => l.split(/\s+/))).toEqual([['local', 'postgres', MONITOR_ROLE, 'peer', `map=${MONITOR_ROLE}`]]);
    const ident = shippedFile('constructs/postgres/files/pg_ident.conf')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.split(/\s+/));
    expect(ident).toEqual([[MONITOR_ROLE, 'postgres', MONITOR_ROLE]]);
    const conf = settings(shippedFile('constructs/postgres/files/postgresql.conf'));
    expect(conf.get('ident_file')).toBe(`'${POSTGRES_CONFIG_FILE.replace(/[^/]+$/, 'pg_ident.conf')}'`);
  });
});
