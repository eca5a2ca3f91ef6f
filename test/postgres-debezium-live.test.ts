import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../src/config/load';
import { renderEnvironment } from '../src/output/render';
import { envFile, file, objectsOf } from './helpers';
import { POSTGRES_PORT, POSTGRES_SOCKET_DIR } from '../src/constructs/postgres-image';
import { PostgresServer, postgresAvailable } from '../e2e/harness/postgres-server';

/**
 * The rendered database set-up, run for real: a PostgreSQL server started with the rendered
 * postgresql.conf and pg_hba.conf, initialised with the rendered init.sql, then used the way the
 * API and Debezium use it. Only the client range differs from the shipped EKS config (loopback).
 */
describe.skipIf(!postgresAvailable())('the rendered PostgreSQL set-up works on a real server', () => {
  const config = parse(readFileSync(envFile('eks'), 'utf8'));
  config.postgres.clientCidrs = ['127.0.0.1/32'];
  const rendered = renderEnvironment({ name: 'eks', file: 'eks.yaml', config: validateConfig('eks.yaml', config) });
  const app = { user: 'transactions_app', password: 'app-test-password', database: 'transactions' };
  const debezium = { user: 'debezium', password: 'debezium-test-password', database: 'transactions' };
  let server: PostgresServer;

  beforeAll(() => {
    const context = (path: string) => file(rendered, `images/postgres-debezium/eks/${path}`);
    server = PostgresServer.fromImageContext(context);
    const init = server.initializeAsImage(context, { app: app.password, debezium: debezium.password });
    expect(init.stderr).not.toMatch(/ERROR/);
    expect(init.status).toBe(0);
    // The API's migrations create the captured tables after first start.
    const ddl = server.client(app, 'CREATE TABLE public.transactions (id bigserial PRIMARY KEY, amount numeric NOT NULL DEFAULT 0); CREATE TABLE public.accounts (id bigserial PRIMARY KEY);');
    expect(ddl.stderr).toBe('');
  }, 60_000);

  afterAll(() => server?.stop());

  it('runs with logical decoding', () => {
    expect(server.client(debezium, 'SHOW wal_level').stdout.trim()).toBe('logical');
  });

  it('gives Debezium a REPLICATION login that is not a superuser', () => {
    expect(server.client(debezium, "SELECT rolcanlogin, rolreplication, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'debezium'").stdout.trim()).toBe('t|t|f|f|f');
  });

  it('lets Debezium snapshot tables the application creates later, and not write them', () => {
    expect(server.client(app, 'INSERT INTO public.transactions (amount) VALUES (10)').status).toBe(0);
    expect(server.client(debezium, 'SELECT count(*) FROM public.transactions').stdout.trim()).toBe('1');
    const write = server.client(debezium, 'INSERT INTO public.transactions (amount) VALUES (1)');
    expect(write.status).not.toBe(0);
    expect(write.stderr).toContain('permission denied');
  });

  it('accepts the rendered connector\'s replication connection and streams every captured table through its publication', () => {
    // What the KafkaConnector tells Debezium to use, not retyped names.
    const connector = objectsOf(rendered).find((o) => o.kind === 'KafkaConnector')?.spec.config;
    const login = { user: connector['database.user'], password: debezium.password, database: connector['database.dbname'] };
    const slotName = connector['slot.name'];
    const slot = server.client({ ...login, replication: 'database' }, `CREATE_REPLICATION_SLOT ${slotName} LOGICAL ${connector['plugin.name']}`);
    expect(slot.stderr).toBe('');
    const tables = (connector['table.include.list'] as string).split(',').map((t) => t.replace('\\.', '.'));
    for (const table of tables) expect(server.client(app, `INSERT INTO ${table} DEFAULT VALUES`).status).toBe(0);
    const changed = server.client(login, `SELECT count(*) FROM pg_logical_slot_peek_binary_changes('${slotName}', NULL, NULL, 'proto_version', '1', 'publication_names', '${connector['publication.name']}') WHERE get_byte(data, 0) = ascii('I')`);
    expect(changed.stderr).toBe('');
    // One INSERT message per captured table.
    expect(Number(changed.stdout.trim())).toBe(tables.length);
  });

  it('publishes the captured schema and bounds the WAL a stalled slot may keep', () => {
    const schemas = "SELECT n.nspname FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid JOIN pg_namespace n ON n.oid = pn.pnnspid WHERE p.pubname = 'cdc8s_publication'";
    expect(server.client(debezium, schemas).stdout.trim()).toBe('public');
    expect(server.client(debezium, 'SHOW max_slot_wal_keep_size').stdout.trim()).toBe('50GB');
  });

  it('answers every rendered probe without logging a FATAL (probes use the Unix socket, where pg_hba admits them)', () => {
    const statefulSet = objectsOf(rendered).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres');
    const container = statefulSet?.spec.template.spec.containers[0];
    const probes = ['startupProbe', 'readinessProbe', 'livenessProbe'].map((name) => container[name].exec.command as string[]);
    const logBefore = server.log().length;
    for (const command of probes) {
      const result = server.runProbe(command, POSTGRES_SOCKET_DIR, POSTGRES_PORT);
      expect(result.stdout).toContain('accepting connections');
      expect(result.status).toBe(0);
    }
    expect(server.log().slice(logBefore)).not.toMatch(/FATAL/);
  });

  it('refuses wrong passwords and databases the roles have no business in', () => {
    expect(server.client({ ...app, password: 'wrong' }, 'SELECT 1').stderr).toContain('password authentication failed');
    expect(server.client({ ...debezium, database: 'postgres' }, 'SELECT 1').stderr).toContain('no pg_hba.conf entry');
    expect(server.client({ user: 'postgres', password: 'x', database: 'transactions' }, 'SELECT 1').stderr).toContain('no pg_hba.conf entry');
  });
});
