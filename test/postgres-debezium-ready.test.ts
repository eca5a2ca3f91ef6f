import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderEnvironment } from '../src/output/render';
import { ENVIRONMENTS, envFile, file, objectsOf, reconcileFile, reconcileTarget, render } from './helpers';
import { resolveConfig } from '../src/platforms/resolve';
import { parseDockerfile } from '../e2e/harness/postgres-root';

describe.each(ENVIRONMENTS)('%s: Postgres is ready for Debezium', (name) => {
  const rendered = render(name);
  const context = `images/postgres-debezium/${name}`;
  const conf = file(rendered, `${context}/postgresql.conf`);
  const sql = reconcileFile(rendered, 'reconcile.sql');
  const target = reconcileTarget(rendered);
  const environmentConf = file(rendered, `${context}/environment.conf`);
  const hba = file(rendered, `${context}/pg_hba.conf`);
  const hbaClients = file(rendered, `${context}/pg_hba.clients.conf`);
  // As a build without --build-arg reads it (the base image is the ARG's default).
  const steps = parseDockerfile(file(rendered, `${context}/Dockerfile`));
  const statefulSet = objectsOf(rendered).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres');
  const container = statefulSet?.spec.template.spec.containers[0];

  it('the first start runs the mounted reconcile before any client can connect, and passes no password on a command line', () => {
    const entrypoint = file(rendered, `${context}/entrypoint.sh`);
    expect(container.env).toContainEqual({ name: 'CDC8S_FIRST_START_SQL', value: '/etc/cdc8s/reconcile/reconcile.sql' });
    expect(container.env).toContainEqual({ name: 'POSTGRES_PASSWORD_FILE', value: '/etc/cdc8s/secrets/superuser/password' });
    // initdb reads the superuser's password from its file; the temporary server listens on no TCP address.
    expect(entrypoint).toContain('--pwfile="$POSTGRES_PASSWORD_FILE"');
    expect(entrypoint).toContain("-c listen_addresses=''");
    expect(entrypoint).toContain('--file="$CDC8S_FIRST_START_SQL"');
    expect(entrypoint).not.toMatch(/--set=[a-z_]+=|password=/);
    // psql reads each password from the file target.json names: the mounted Secret.
    expect(target.passwordFiles).toEqual({ app: '/etc/cdc8s/secrets/app/password', debezium: '/etc/cdc8s/secrets/debezium/password' });
    expect(sql).toMatch(/^\\set app_password `cat :'app_password_file'`$/m);
    expect(sql).toMatch(/^\\set debezium_password `cat :'debezium_password_file'`$/m);
    expect(container.env).toContainEqual({ name: 'CDC8S_RECONCILE_DIR', value: '/etc/cdc8s/reconcile' });
    // ALTER ROLE receives a SCRAM verifier computed in the server, never the password itself.
    expect(sql).toContain("format('ALTER ROLE %I PASSWORD %L', rolname, pg_temp.cdc8s_scram(p,");
  });

  it("turns on logical decoding with senders, slots and a bound on retained WAL (the live test reads them from the server's pg_settings)", () => {
    expect(conf).toMatch(/^wal_level = logical$/m);
    expect(conf).toMatch(/^include = 'environment.conf'$/m);
    expect(environmentConf).toMatch(/^max_wal_senders = \d+$/m);
    expect(environmentConf).toMatch(/^max_replication_slots = \d+$/m);
    expect(environmentConf).toMatch(/^max_slot_wal_keep_size = '\d+[MGT]B'$/m);
  });

  it("runs that configuration: the container starts postgres with the rendered config file, through the image's entrypoint", () => {
    expect(container.args.slice(0, 3)).toEqual(['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf']);
    expect(container.command).toBeUndefined();
    expect(steps).toContainEqual({ keyword: 'COPY', args: 'postgresql.conf environment.conf pg_hba.conf pg_hba.clients.conf pg_ident.conf /etc/postgresql/' });
    expect(steps).toContainEqual({ keyword: 'ENTRYPOINT', args: '["bash", "/usr/local/lib/cdc8s/entrypoint.sh"]' });
    // A fast shutdown on the kubelet's stop: SIGTERM would wait for every client to disconnect.
    expect(steps).toContainEqual({ keyword: 'STOPSIGNAL', args: 'SIGINT' });
    expect(conf).toContain("hba_file = '/etc/postgresql/pg_hba.conf'");
  });

  it('creates a Debezium role with REPLICATION and LOGIN, never SUPERUSER', () => {
    expect(target.debeziumUser).toBe('debezium');
    const role = /ALTER ROLE :"debezium_user" WITH ([^;]+);/.exec(sql)?.[1] ?? '';
    expect(role).toMatch(/\bLOGIN\b/);
    expect(role).toMatch(/\bREPLICATION\b/);
    expect(role).toMatch(/\bNOSUPERUSER\b/);
    expect(role).not.toMatch(/(^|\s)SUPERUSER\b/);
    expect(sql).not.toMatch(/ALTER ROLE :"debezium_user"[^;]*[^O]SUPERUSER/);
    expect(sql).not.toMatch(/GRANT [^;]*pg_read_all_data|GRANT [^;]*WITH ADMIN/);
  });

  it('grants Debezium no default privileges and writes only on its signal table (the live test proves the rest)', () => {
    expect(sql).toContain("format('GRANT USAGE ON SCHEMA %I TO %I', nspname, :'debezium_user')");
    expect(sql).not.toMatch(/ALTER DEFAULT PRIVILEGES [^;]*GRANT/);
    expect(sql).not.toMatch(/GRANT (ALL|INSERT|UPDATE|DELETE|TRUNCATE)[^;]*TO :"debezium_user"/);
    expect(sql).toContain('GRANT SELECT, INSERT ON :"signal_schema".:"signal_table" TO :"debezium_user";');
    expect(target.signalTable).toEqual({ schema: 'cdc8s', table: 'debezium_signal' });
  });

  it('keeps the pgoutput publication at the captured tables, never a schema', () => {
    // Created empty; the tables are set by name (SET TABLE), never a schema or ALL TABLES.
    expect(sql).toContain("format('CREATE PUBLICATION %I WITH (publish = %L)', t->>'publication', t->>'publishedOperations')");
    expect(sql).not.toMatch(/ADD TABLES IN SCHEMA|CREATE PUBLICATION [^;]*FOR/);
    expect(target).toMatchObject({ publication: 'cdc8s_publication', publishedOperations: 'insert, update, delete' });
    expect(target.tables).toEqual([
      { schema: 'public', table: 'transactions' },
      { schema: 'public', table: 'accounts' },
    ]);
    expect(sql).toContain("'ALTER PUBLICATION %I SET TABLE %s'");
  });

  it('deletes every logical decoding output plugin but the built-in pgoutput, and logs replication commands', () => {
    expect(steps.find((s) => s.keyword === 'RUN')?.args).toMatch(/^bash \S+\/install\.sh \S+ 999 test_decoding\.so /);
    expect(file(rendered, `${context}/install.sh`)).toContain('rm -f /usr/lib/postgresql/*/lib/"$plugin"');
    expect(conf).toMatch(/^log_replication_commands = on$/m);
    expect(conf).toMatch(/^log_connections = on$/m);
  });

  it("accepts the Debezium role from the pod network over TLS and scram-sha-256 only (the live test reads the server's pg_hba_file_rules)", () => {
    expect(hba).toMatch(/^include pg_hba\.clients\.conf$/m);
    const rows = [...hba.split('\n'), ...hbaClients.split('\n')].filter((l) => l.startsWith('host'));
    expect(rows.some((r) => /^hostssl\s+transactions\s+debezium\s+\S+\s+scram-sha-256$/.test(r))).toBe(true);
    expect(rows.every((r) => r.startsWith('hostssl '))).toBe(true);
    expect(conf).toMatch(/^ssl = on$/m);
    expect(rows.every((r) => r.endsWith('scram-sha-256'))).toBe(true);
    expect(`${hba}${hbaClients}`).not.toMatch(/\btrust\b/);
  });

  it('builds FROM a pinned Debian trixie image and tags the result with its PostgreSQL version and a digest of the context', () => {
    expect(steps[0].keyword).toBe('FROM');
    expect(steps[0].args).toMatch(/^docker\.io\/library\/debian:trixie-\d{8}-slim(@sha256:[0-9a-f]{64})?$/);
    expect(container.image).toMatch(/\/postgres-debezium:17\.\d+-[0-9a-f]{12}$/);
  });

  it('keeps PGDATA in a subdirectory of the volume and probes with pg_isready', () => {
    expect(container.env).toContainEqual({ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' });
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data' });
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe].exec.command[0]).toBe('pg_isready');
    }
  });
});

describe('the image reference follows the build context', () => {
  const base = parse(readFileSync(envFile('eks'), 'utf8'));
  const imageFor = (mutate: (c: any) => void) => {
    const copy = structuredClone(base);
    mutate(copy);
    return renderEnvironment(resolveConfig('eks', 'eks.yaml', copy)).images[0].ref;
  };

  it('is stable for the same config', () => {
    expect(imageFor(() => {})).toBe(imageFor(() => {}));
  });

  it('changes when a Postgres setting changes', () => {
    expect(
      imageFor((c) => {
        c.postgres.replication.maxWalSenders = 12;
      }),
    ).not.toBe(imageFor(() => {}));
  });

  it('does not change when the captured tables change: the reconcile, not the image, handles them', () => {
    expect(
      imageFor((c) => {
        c.capture.tables.push({ schema: 'ledger', table: 'entries' });
      }),
    ).toBe(imageFor(() => {}));
    expect(
      imageFor((c) => {
        c.capture.publication = 'other_publication';
      }),
    ).toBe(imageFor(() => {}));
  });

  it('a captured table added or removed changes only the reconcile ConfigMap: the database pod is not restarted', () => {
    const podTemplate = (mutate: (c: any) => void) => {
      const copy = structuredClone(base);
      mutate(copy);
      const objects = renderEnvironment(resolveConfig('eks', 'eks.yaml', copy)).manifests.flatMap((m) => m.objects);
      return JSON.stringify(objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres')?.spec.template);
    };
    const before = podTemplate(() => {});
    expect(before).toContain('reconcile');
    expect(podTemplate((c) => c.capture.tables.push({ schema: 'ledger', table: 'entries' }))).toBe(before);
  });
});
