import { spawn } from 'node:child_process';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMOVED_OUTPUT_PLUGINS } from '../src/constructs/postgres/image';
import { RenderedEnvironment } from '../src/output/render';
import { configMapData, PostgresServer, postgresAvailable } from '../e2e/harness/postgres-server';
import { eventually, stopAll } from '../e2e/harness/process';
import { includedTables } from '../src/constructs/kafka/debezium-connector';
import { file, objectsOf, RawConfig, renderVariant } from './helpers';

/**
 * The rendered database set-up, run for real: a PostgreSQL server started with the rendered
 * postgresql.conf and pg_hba.conf (the output plugins the image deletes absent), initialised by the
 * rendered first-start script, then kept by the rendered reconcile as the sidecar runs it, and used
 * the way the API and Debezium use it. Only the client range differs from the shipped EKS config.
 */
const loopback = (config: RawConfig) => {
  config.postgres.clientCidrs = ['127.0.0.1/32'];
};
const rendered = renderVariant('eks', loopback);

describe.runIf(postgresAvailable(rendered.files, 'eks'))('the rendered PostgreSQL set-up works on a real server, for its whole life', () => {
  const app = { user: 'transactions_app', password: 'app-test-password', database: 'transactions' };
  const debezium = { user: 'debezium', password: 'debezium-test-password', database: 'transactions' };
  const connector = objectsOf(rendered).find((o) => o.kind === 'KafkaConnector')?.spec.config;
  const publication = connector['publication.name'] as string;
  let server: PostgresServer;

  const reconcileFiles = (env: RenderedEnvironment) => configMapData(objectsOf(env), 'postgres-reconcile');
  const published = () =>
    server
      .client(
        debezium,
        `SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY schemaname || '.' || tablename COLLATE "C") FROM pg_publication_tables WHERE pubname = '${publication}'`,
      )
      .stdout.trim();
  const reconcile = () => {
    const run = server.reconcile();
    expect(run.reconcile.stderr).not.toMatch(/ERROR/);
    expect(run.reconcile.status).toBe(0);
    return run;
  };

  beforeAll(async () => {
    // As the pod runs (postgres-backup-live.test.ts proves the backups its archive_command takes).
    server = (await PostgresServer.startAsRendered(rendered.files, objectsOf(rendered), 'eks', { app: app.password, debezium: debezium.password })).server;
    // The first start (initdb, the reconcile, before any client) logged no error.
    expect(server.log()).not.toMatch(/ERROR/);
    // The API's migrations create the captured tables after first start, and an uncaptured one without a key.
    const ddl = server.client(
      app,
      'CREATE TABLE public.transactions (id bigserial PRIMARY KEY, amount numeric NOT NULL DEFAULT 0); CREATE TABLE public.accounts (id bigserial PRIMARY KEY); CREATE TABLE public.audit_log (note text); CREATE TABLE public.api_keys (id int PRIMARY KEY, secret text)',
    );
    expect(ddl.stderr).toBe('');
    reconcile();
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await server?.stop();
  });

  it('runs with logical decoding, and logs connections and replication commands', () => {
    expect(server.client(debezium, 'SHOW wal_level').stdout.trim()).toBe('logical');
    expect(server.client(debezium, "SELECT current_setting('log_connections') || current_setting('log_replication_commands')").stdout.trim()).toBe('onon');
  });

  it("runs the shipped postgresql.conf with the environment's settings from its include, as the server itself reports them", () => {
    const settings = server.superuser(
      "SELECT string_agg(name || '=' || setting || coalesce(unit, '') || ' from ' || coalesce(regexp_replace(sourcefile, '^.*/', ''), source), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('wal_level', 'max_wal_senders', 'max_replication_slots', 'max_slot_wal_keep_size', 'archive_mode', 'archive_timeout', 'ssl')",
      'postgres',
    );
    // environments/eks.yaml: 10 senders, 10 slots, 50GB (the server counts it in MB).
    expect(settings.split(', ')).toEqual([
      'archive_mode=on from postgresql.conf',
      'archive_timeout=300s from environment.conf',
      'max_replication_slots=10 from environment.conf',
      'max_slot_wal_keep_size=51200MB from environment.conf',
      'max_wal_senders=10 from environment.conf',
      'ssl=on from postgresql.conf',
      'wal_level=logical from postgresql.conf',
    ]);
  });

  it("admits clients by the shipped pg_hba.conf and the environment's rows it includes: TLS and SCRAM only, nothing in error", () => {
    const rules = server.superuser(
      "SELECT string_agg(concat_ws(' ', regexp_replace(file_name, '^.*/', ''), type, array_to_string(database, ','), array_to_string(user_name, ','), address, auth_method, error), '; ' ORDER BY rule_number) FROM pg_hba_file_rules",
      'postgres',
    );
    expect(rules.split('; ')).toEqual([
      'pg_hba.conf local all postgres peer',
      'pg_hba.conf local postgres cdc8s_monitor peer',
      'pg_hba.clients.conf hostssl transactions transactions_app 127.0.0.1 scram-sha-256',
      'pg_hba.clients.conf hostssl transactions debezium 127.0.0.1 scram-sha-256',
    ]);
  });

  it('postgres_exporter from the image logs in as the monitoring role by peer and runs every rendered query without error', async () => {
    const port = 31000 + Math.floor(Math.random() * 2000);
    // A logical slot as the connector makes it, so that the slot query has a row.
    server.superuser("SELECT pg_create_logical_replication_slot('exporter_probe', 'pgoutput')");
    const exporter = server.startExporter(port);
    try {
      let text = '';
      await eventually(
        async () => {
          text = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) })
            .then((r) => r.text())
            .catch(() => '');
          return text.includes('pg_up');
        },
        30_000,
        () => `no scrape: ${exporter.tail(10)}`,
      );
      const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
      expect(value('pg_up')).toBe(1);
      // Every query of the rendered queries.yaml ran (an error in one sets this, and logs it).
      expect(value('pg_exporter_last_scrape_error'), exporter.tail(5)).toBe(0);
      const queries = parse(configMapData(objectsOf(rendered), 'postgres-exporter')['queries.yaml']) as Record<string, { metrics: Record<string, { usage: string }>[] }>;
      for (const [namespace, query] of Object.entries(queries)) {
        for (const column of query.metrics.flatMap((m) => Object.entries(m)).filter(([, m]) => m.usage !== 'LABEL')) {
          // cdc8s_backup has a row only once the backup sidecar recorded a backup (postgres-backup-live).
          if (namespace === 'cdc8s_backup') continue;
          expect(text, `${namespace}_${column[0]}`).toMatch(new RegExp(`^${namespace}_${column[0]}[{ ]`, 'm'));
        }
      }
      expect(text).toMatch(/^cdc8s_slot_active\{[^}]*slot_name="exporter_probe"[^}]*\} 0$/m);
    } finally {
      await exporter.stop();
      server.superuser("SELECT pg_drop_replication_slot('exporter_probe')");
    }
  });

  it('gives Debezium a REPLICATION login that is not a superuser', () => {
    expect(server.client(debezium, "SELECT rolcanlogin, rolreplication, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'debezium'").stdout.trim()).toBe(
      't|t|f|f|f',
    );
  });

  it('publishes exactly the captured tables and the signal table, not the schema', () => {
    expect(published()).toBe('cdc8s.debezium_signal,public.accounts,public.transactions');
    expect(server.client(debezium, `SELECT count(*) FROM pg_publication_namespace`).stdout.trim()).toBe('0');
  });

  it('lets the application UPDATE and DELETE an uncaptured table without a primary key', () => {
    const result = server.client(app, "INSERT INTO public.audit_log VALUES ('a'); UPDATE public.audit_log SET note = 'b'; DELETE FROM public.audit_log");
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('lets Debezium read exactly the captured tables, and write none of them', () => {
    expect(server.client(app, 'INSERT INTO public.transactions (amount) VALUES (10)').status).toBe(0);
    expect(server.client(debezium, 'SELECT count(*) FROM public.transactions').stdout.trim()).toBe('1');
    expect(server.client(debezium, 'SELECT count(*) FROM public.api_keys').stderr).toContain('permission denied');
    const write = server.client(debezium, 'INSERT INTO public.transactions (amount) VALUES (1)');
    expect(write.stderr).toContain('permission denied');
  });

  it('keeps Debezium from decoding an uncaptured table through any output plugin', () => {
    const replication = { ...debezium, replication: 'database' as const };
    // The stock plugin that decodes every table (reproduced in review): the image deletes it.
    expect(REMOVED_OUTPUT_PLUGINS).toContain('test_decoding.so');
    for (const plugin of ['test_decoding']) {
      const slot = server.client(replication, `CREATE_REPLICATION_SLOT probe_${plugin} LOGICAL ${plugin}`);
      expect(slot.stderr).toMatch(/could not access file|No such file/);
    }
    // pgoutput sends only what the publication holds, and Debezium can neither create nor alter one.
    expect(server.client(debezium, 'CREATE PUBLICATION everything FOR ALL TABLES').stderr).toMatch(/must be superuser|permission denied/);
    expect(server.client(debezium, `ALTER PUBLICATION ${publication} ADD TABLE public.api_keys`).stderr).toMatch(/must be owner|permission denied/);
    expect(server.client(replication, 'CREATE_REPLICATION_SLOT probe_pgoutput LOGICAL pgoutput').status).toBe(0);
    expect(server.client(app, "INSERT INTO public.api_keys VALUES (1, 'not-for-debezium')").status).toBe(0);
    const changes = server.client(
      debezium,
      `SELECT count(*) FROM pg_logical_slot_get_binary_changes('probe_pgoutput', NULL, NULL, 'proto_version', '1', 'publication_names', '${publication}') WHERE position('not-for-debezium' in encode(data, 'escape')) > 0`,
    );
    expect(changes.stderr).toBe('');
    expect(changes.stdout.trim()).toBe('0');
    server.client(replication, 'DROP_REPLICATION_SLOT probe_pgoutput');
  });

  it("accepts the rendered connector's replication connection and streams every captured table through its publication", () => {
    const login = { user: connector['database.user'], password: debezium.password, database: connector['database.dbname'] };
    const slotName = connector['slot.name'];
    const slot = server.client({ ...login, replication: 'database' }, `CREATE_REPLICATION_SLOT ${slotName} LOGICAL ${connector['plugin.name']}`);
    expect(slot.stderr).toBe('');
    const tables = includedTables(connector['table.include.list']);
    for (const table of tables) expect(server.client(app, `INSERT INTO ${table} DEFAULT VALUES`).status).toBe(0);
    const changed = server.client(
      login,
      `SELECT count(*) FROM pg_logical_slot_peek_binary_changes('${slotName}', NULL, NULL, 'proto_version', '1', 'publication_names', '${publication}') WHERE get_byte(data, 0) = ascii('I')`,
    );
    expect(changed.stderr).toBe('');
    expect(Number(changed.stdout.trim())).toBe(tables.length);
  });

  it('streams a table captured after the first start once the new config reaches the reconcile', () => {
    const added = renderVariant('eks', (config) => {
      loopback(config);
      config.capture.tables.push({ schema: 'ledger', table: 'payouts' });
    });
    // The image does not change: only the reconcile's ConfigMap does.
    expect(file(added, 'images/postgres-debezium/eks/Dockerfile')).toBe(file(rendered, 'images/postgres-debezium/eks/Dockerfile'));
    server.updateReconcile(reconcileFiles(added));
    reconcile();
    // The schema exists now, owned by the application, which creates the table in it.
    expect(server.client(app, 'CREATE TABLE ledger.payouts (id bigserial PRIMARY KEY, amount bigint)').stderr).toBe('');
    reconcile();
    expect(published()).toContain('ledger.payouts');
    const slotName = connector['slot.name'];
    server.client({ ...debezium, replication: 'database' }, `CREATE_REPLICATION_SLOT added_probe LOGICAL pgoutput`);
    expect(server.client(app, 'INSERT INTO ledger.payouts (amount) VALUES (5)').status).toBe(0);
    const changes = server.client(
      debezium,
      `SELECT count(*) FROM pg_logical_slot_get_binary_changes('added_probe', NULL, NULL, 'proto_version', '1', 'publication_names', '${publication}') WHERE get_byte(data, 0) = ascii('I')`,
    );
    expect(changes.stdout.trim()).toBe('1');
    expect(server.client(debezium, 'SELECT count(*) FROM ledger.payouts').stdout.trim()).toBe('1');
    server.client({ ...debezium, replication: 'database' }, 'DROP_REPLICATION_SLOT added_probe');
    expect(slotName).toBeTruthy();
    server.updateReconcile(reconcileFiles(rendered));
    reconcile();
    // Dropped from the config: no longer published, no longer readable by Debezium.
    expect(published()).not.toContain('ledger.payouts');
    expect(server.client(debezium, 'SELECT count(*) FROM ledger.payouts').stderr).toContain('permission denied');
  });

  it('sets a rotated password: new connections use it, the old one is refused, and no password is printed', () => {
    const rotated = 'debezium-rotated-password';
    server.setPasswords({ debezium: rotated });
    const run = reconcile();
    expect(run.reconcile.stderr).toContain('password of debezium set from its Secret');
    expect(run.reconcile.stderr).not.toContain('password of transactions_app');
    for (const output of [run.reconcile.stdout, run.reconcile.stderr, server.log()]) {
      expect(output).not.toContain(rotated);
      expect(output).not.toContain(app.password);
    }
    expect(server.client({ ...debezium, password: rotated }, 'SELECT 1').stdout.trim()).toBe('1');
    expect(server.client(debezium, 'SELECT 1').stderr).toContain('password authentication failed');
    // Unchanged Secrets change nothing.
    expect(reconcile().reconcile.stderr).not.toContain('password of');
    debezium.password = rotated;
  });

  it('fails loudly on a captured table without a primary key, and leaves it out of the publication so the app keeps writing', () => {
    const pkLess = renderVariant('eks', (config) => {
      loopback(config);
      config.capture.tables.push({ schema: 'public', table: 'audit_log' });
    });
    server.updateReconcile(reconcileFiles(pkLess));
    const run = server.reconcile();
    expect(run.reconcile.status).toBe(0);
    expect(run.check.status).not.toBe(0);
    expect(run.check.stderr).toContain('captured table(s) public.audit_log have no primary key');
    expect(published()).not.toContain('audit_log');
    expect(server.client(app, "INSERT INTO public.audit_log VALUES ('x'); UPDATE public.audit_log SET note = 'y'").status).toBe(0);
    // Its events would have no key, which the compacted topics refuse: a full identity is not enough.
    expect(server.client(app, 'ALTER TABLE public.audit_log REPLICA IDENTITY FULL').status).toBe(0);
    expect(server.reconcile().check.status).not.toBe(0);
    expect(server.client(app, 'ALTER TABLE public.audit_log ADD COLUMN id bigserial PRIMARY KEY').status).toBe(0);
    expect(server.reconcile().check.status).toBe(0);
    expect(published()).toContain('public.audit_log');
    server.updateReconcile(reconcileFiles(rendered));
    reconcile();
    // No longer captured: it keeps its identity, loses the guards' triggers, and truncates again.
    expect(server.superuser("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.audit_log'::regclass")).toBe('0');
    expect(server.client(app, 'ALTER TABLE public.audit_log DROP COLUMN id; ALTER TABLE public.audit_log REPLICA IDENTITY DEFAULT; TRUNCATE public.audit_log').stderr).toBe('');
  });

  it('converts what an earlier first-start script made: a schema-wide publication and default privileges', () => {
    const superuser = (sql: string) => server.superuser(sql);
    superuser(
      `DROP PUBLICATION ${publication}; CREATE PUBLICATION ${publication} FOR TABLES IN SCHEMA public; ALTER DEFAULT PRIVILEGES FOR ROLE transactions_app IN SCHEMA public GRANT SELECT ON TABLES TO debezium; GRANT SELECT ON public.api_keys TO debezium`,
    );
    reconcile();
    expect(published()).toBe('cdc8s.debezium_signal,public.accounts,public.transactions');
    expect(superuser("SELECT count(*) FROM pg_default_acl a, aclexplode(a.defaclacl) x WHERE x.grantee = 'debezium'::regrole")).toBe('0');
    expect(server.client(debezium, 'SELECT count(*) FROM public.api_keys').stderr).toContain('permission denied');
  });

  it('reconciles again, as the rendered sidecar, after a restart and when a captured table appears', async () => {
    const sidecar = server.startReconcileLoop();
    await eventually(
      () => server.reconciled,
      30_000,
      () => `sidecar not ready:\n${sidecar.tail(20)}`,
    );
    server.superuser(`ALTER PUBLICATION ${publication} DROP TABLE public.accounts`);
    await server.restart('fast');
    await eventually(
      () => published().includes('public.accounts'),
      45_000,
      () => `not republished after the restart:\n${sidecar.tail(20)}`,
      1_000,
    );
    const added = renderVariant('eks', (config) => {
      loopback(config);
      config.capture.tables.push({ schema: 'public', table: 'refunds' });
    });
    server.updateReconcile(reconcileFiles(added));
    expect(server.client(app, 'CREATE TABLE public.refunds (id bigserial PRIMARY KEY)').status).toBe(0);
    await eventually(
      () => published().includes('public.refunds'),
      45_000,
      () => `refunds not published:\n${sidecar.tail(20)}`,
      1_000,
    );
    expect(sidecar.tail(50)).not.toContain(debezium.password);
    await sidecar.stop();
    server.updateReconcile(reconcileFiles(rendered));
  }, 120_000);

  it('speaks TLS only: clients verify the server as the Service (verify-full), plaintext is refused', () => {
    const tls = server.client(app, 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(tls.stderr).toBe('');
    expect(tls.stdout.trim()).toMatch(/^t\|TLSv1\.[23]$/);
    expect(server.client({ ...app, sslmode: 'disable' }, 'SELECT 1').stderr).toMatch(/no pg_hba\.conf entry .* no encryption/);
    expect(server.client({ ...debezium, replication: 'database', sslmode: 'disable' }, 'IDENTIFY_SYSTEM').stderr).toMatch(/no pg_hba\.conf entry .* no encryption/);
  });

  it('serves a renewed certificate after the reconcile reloads it: no restart, no manual step', () => {
    const before = server.servedCertificateSerial();
    const started = server.superuser('SELECT pg_postmaster_start_time()');
    const renewed = server.issueServerCertificate();
    expect(renewed).not.toBe(before);
    reconcile();
    expect(server.servedCertificateSerial()).toBe(renewed);
    expect(server.superuser('SELECT pg_postmaster_start_time()')).toBe(started);
    expect(server.client(app, 'SELECT 1').stdout.trim()).toBe('1');
  });

  it('answers every rendered probe without logging a FATAL (probes use the Unix socket, where pg_hba admits them)', () => {
    const logBefore = server.log().length;
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
      const result = server.probe('postgres', probe);
      expect(result.stdout).toContain('accepting connections');
      expect(result.status).toBe(0);
    }
    expect(server.log().slice(logBefore)).not.toMatch(/FATAL/);
  });

  describe('guards on the captured tables: whole events, and no row or statement that would stop the pipeline', () => {
    const identity = (table: string) => server.superuser(`SELECT relreplident FROM pg_class WHERE oid = '${table}'::regclass`);
    const withConfig = (change: (config: RawConfig) => void) => {
      server.updateReconcile(
        reconcileFiles(
          renderVariant('eks', (config) => {
            loopback(config);
            change(config);
          }),
        ),
      );
      return reconcile();
    };
    afterAll(() => {
      server.updateReconcile(reconcileFiles(rendered));
      reconcile();
    });

    it('sets REPLICA IDENTITY FULL on every captured table, and on no other; what the old rows cost in WAL', () => {
      expect(['public.transactions', 'public.accounts', 'public.audit_log', 'public.api_keys'].map(identity)).toEqual(['f', 'f', 'd', 'd']);
      // An identity changed by hand is put back.
      expect(server.client(app, 'ALTER TABLE public.accounts REPLICA IDENTITY DEFAULT').status).toBe(0);
      expect(reconcile().reconcile.stderr).toContain('replica identity of public.accounts set to FULL');
      expect(identity('public.accounts')).toBe('f');
      // capture.replicaIdentity: default leaves the tables as they are.
      expect(server.client(app, 'ALTER TABLE public.accounts REPLICA IDENTITY DEFAULT').status).toBe(0);
      expect(
        withConfig((c) => {
          c.capture.replicaIdentity = 'default';
        }).reconcile.stderr,
      ).not.toContain('replica identity');
      expect(identity('public.accounts')).toBe('d');
      // The cost: WAL of 10,000 single-row updates (one narrow column changed, 200 bytes of text unchanged), per identity.
      server.client(
        app,
        "CREATE TABLE public.wal_cost (id int PRIMARY KEY, n int NOT NULL, note text NOT NULL); INSERT INTO public.wal_cost SELECT g, 0, repeat('n', 200) FROM generate_series(1, 10000) g",
      );
      const walOf = (sql: string) => {
        const start = server.superuser('SELECT pg_current_wal_insert_lsn()');
        server.client(app, sql);
        return Number(server.superuser(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '${start}')`));
      };
      const updates = 'UPDATE public.wal_cost SET n = n + 1';
      const byDefault = walOf(updates);
      server.client(app, 'ALTER TABLE public.wal_cost REPLICA IDENTITY FULL');
      const byFull = walOf(updates);
      console.log(`WAL of 10,000 updates of a 200-byte row: ${byDefault} bytes with the default identity, ${byFull} with FULL (x${(byFull / byDefault).toFixed(2)})`);
      // Each update also logs the old row: at least its 200 bytes of text.
      expect(byFull - byDefault).toBeGreaterThan(10_000 * 200);
      server.client(app, 'DROP TABLE public.wal_cost');
    });

    it('refuses TRUNCATE of a captured table, naming it and what to do; other tables truncate, and capture.truncate: skip allows it', () => {
      withConfig(() => {});
      const refused = server.client(app, 'TRUNCATE public.transactions');
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('TRUNCATE of public.transactions refused: the table is captured');
      expect(refused.stderr).toContain('DELETE the rows instead');
      expect(server.client(app, 'TRUNCATE public.audit_log').stderr).toBe('');
      expect(
        withConfig((c) => {
          c.capture.truncate = 'skip';
        }).reconcile.stderr,
      ).toContain('TRUNCATE allowed again on public.transactions');
      expect(server.client(app, 'BEGIN; TRUNCATE public.transactions; ROLLBACK').stderr).toBe('');
    });

    it('never publishes TRUNCATE: the connector skips it, so the publication leaves it out, and one that publishes it is put back', () => {
      const operations = () =>
        server.superuser(
          `SELECT concat_ws(',', CASE WHEN pubinsert THEN 'insert' END, CASE WHEN pubupdate THEN 'update' END, CASE WHEN pubdelete THEN 'delete' END, CASE WHEN pubtruncate THEN 'truncate' END) FROM pg_publication WHERE pubname = '${publication}'`,
        );
      withConfig(() => {});
      expect(operations()).toBe('insert,update,delete');
      server.superuser(`ALTER PUBLICATION ${publication} SET (publish = 'insert, update, delete, truncate')`);
      expect(reconcile().reconcile.stderr).toContain('publication now publishes insert, update, delete');
      expect(operations()).toBe('insert,update,delete');
    });

    it('refuses a row whose change event would pass capture.maxEventBytes, with an error naming the limit; rows that fit are written', () => {
      withConfig((c) => {
        c.capture.maxEventBytes = 1_048_576;
      });
      expect(server.client(app, 'ALTER TABLE public.transactions ADD COLUMN memo text').stderr).toBe('');
      const inserted = server.client(app, "WITH row AS (INSERT INTO public.transactions (memo) VALUES (repeat('a', 600000)) RETURNING id) SELECT id FROM row");
      expect(inserted.stderr).toBe('');
      const id = inserted.stdout.trim();
      // Under FULL an update's event carries the old row as well: 1.2 MB of row data does not fit.
      const update = server.client(app, `UPDATE public.transactions SET memo = repeat('b', 600000) WHERE id = ${id}`);
      expect(update.stderr).toContain('UPDATE of a row of public.transactions refused: its change event would carry 1200');
      expect(update.stderr).toContain('capture.maxEventBytes');
      expect(server.client(app, `UPDATE public.transactions SET memo = repeat('b', 300000) WHERE id = ${id}`).stderr).toBe('');
      expect(server.client(app, "INSERT INTO public.transactions (memo) VALUES (repeat('c', 1100000))").stderr).toContain('INSERT of a row of public.transactions refused');
      // Deletes are never refused.
      expect(server.client(app, `DELETE FROM public.transactions WHERE id = ${id}`).stderr).toBe('');
      // The shipped limit lets the same update through.
      withConfig(() => {});
      expect(server.client(app, "INSERT INTO public.transactions (memo) VALUES (repeat('d', 1100000))").stderr).toBe('');
      expect(server.client(app, 'DELETE FROM public.transactions WHERE memo IS NOT NULL; ALTER TABLE public.transactions DROP COLUMN memo').stderr).toBe('');
    });

    it("ends an application transaction left open, so the connector's first start (its slot) does not wait on it", async () => {
      withConfig(() => {});
      expect(server.client(app, 'SHOW idle_in_transaction_session_timeout').stdout.trim()).toBe('1min');
      expect(server.client(app, 'SHOW statement_timeout').stdout.trim()).toBe('30s');
      withConfig((c) => {
        c.postgres.appSessionLimits = { idleInTransactionSeconds: 2 };
      });
      // A session that took a transaction id and then went idle inside it.
      const open = server.psql(app, ['-q', '-X']);
      const session = spawn(open.command, [...open.args], { env: open.env, stdio: ['pipe', 'ignore', 'ignore'] });
      session.stdin.write('BEGIN; INSERT INTO public.accounts DEFAULT VALUES;\n');
      try {
        // The slot must find the transaction open: wait until the session holds an id and is idle in it.
        const idleWithXid = "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND backend_xid IS NOT NULL";
        await eventually(
          () => server.superuser(idleWithXid) === '1',
          10_000,
          () => 'the session never went idle inside its transaction',
          50,
        );
        // CREATE_REPLICATION_SLOT waits for every transaction with an id to end (bounded by the client's timeout).
        const slot = server.client({ ...debezium, replication: 'database' }, 'CREATE_REPLICATION_SLOT idle_probe LOGICAL pgoutput');
        expect(slot.stderr).toBe('');
        expect(server.superuser(idleWithXid)).toBe('0');
        await eventually(
          () => server.log().includes('terminating connection due to idle-in-transaction timeout'),
          10_000,
          () => `no idle-in-transaction termination in the server log:\n${server.log().slice(-2_000)}`,
          100,
        );
      } finally {
        session.kill('SIGKILL');
        server.client({ ...debezium, replication: 'database' }, 'DROP_REPLICATION_SLOT idle_probe');
      }
    });

    it('compares the publication by table name: a publication listing its tables in another order is no drift', () => {
      // Tables added in the reverse of their catalog order.
      server.superuser(
        `DROP PUBLICATION ${publication}; CREATE PUBLICATION ${publication} FOR TABLE public.accounts, public.transactions, cdc8s.debezium_signal WITH (publish = 'insert, update, delete')`,
      );
      const first = reconcile().reconcile.stderr;
      const second = reconcile().reconcile.stderr;
      expect(`${first}${second}`).not.toContain('publication now publishes');
      expect(published()).toBe('cdc8s.debezium_signal,public.accounts,public.transactions');
    });
  });

  it('refuses wrong passwords and databases the roles have no business in', () => {
    expect(server.client({ ...app, password: 'wrong' }, 'SELECT 1').stderr).toContain('password authentication failed');
    expect(server.client({ ...debezium, database: 'postgres' }, 'SELECT 1').stderr).toContain('no pg_hba.conf entry');
    expect(server.client({ user: 'postgres', password: 'x', database: 'transactions' }, 'SELECT 1').stderr).toContain('no pg_hba.conf entry');
  });
});
