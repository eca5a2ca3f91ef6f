import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../src/config/load';
import { renderEnvironment } from '../src/output/render';
import { ENVIRONMENTS, envFile, file, objectsOf, render } from './helpers';

describe.each(ENVIRONMENTS)('%s: Postgres is ready for Debezium', (name) => {
  const rendered = render(name);
  const context = `images/postgres-debezium/${name}`;
  const conf = file(rendered, `${context}/postgresql.conf`);
  const sql = file(rendered, `${context}/init.sql`);
  const hba = file(rendered, `${context}/pg_hba.conf`);
  const dockerfile = file(rendered, `${context}/Dockerfile`);
  const statefulSet = objectsOf(rendered).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres');
  const container = statefulSet?.spec.template.spec.containers[0];

  it('the first-start script passes no password on a command line: psql reads the mounted files itself', () => {
    const script = file(rendered, `${context}/initdb/10-cdc8s-init.sh`);
    expect(script).not.toMatch(/--set|-v [a-z_]+=|\$\(<|password=/);
    expect(sql).toMatch(/^\\set app_password `cat \/etc\/cdc8s\/secrets\/app\/password`$/m);
    expect(sql).toMatch(/^\\set debezium_password `cat \/etc\/cdc8s\/secrets\/debezium\/password`$/m);
    expect(sql).toContain("PASSWORD :'app_password'");
  });

  it('turns on logical decoding with senders, slots and a bound on retained WAL', () => {
    expect(conf).toMatch(/^wal_level = logical$/m);
    expect(conf).toMatch(/^max_wal_senders = \d+$/m);
    expect(conf).toMatch(/^max_replication_slots = \d+$/m);
    expect(conf).toMatch(/^max_slot_wal_keep_size = \d+[MGT]B$/m);
  });

  it('runs that configuration: the container starts postgres with the rendered config file', () => {
    expect(container.args).toEqual(['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf']);
    expect(dockerfile).toContain('COPY postgresql.conf pg_hba.conf /etc/postgresql/');
    expect(conf).toContain("hba_file = '/etc/postgresql/pg_hba.conf'");
  });

  it('creates a Debezium role with REPLICATION and LOGIN, never SUPERUSER', () => {
    const role = /CREATE ROLE debezium WITH ([^;]+);/.exec(sql)?.[1] ?? '';
    expect(role).toMatch(/\bLOGIN\b/);
    expect(role).toMatch(/\bREPLICATION\b/);
    expect(role).toMatch(/\bNOSUPERUSER\b/);
    expect(role).not.toMatch(/(^|\s)SUPERUSER\b/);
    expect(sql).not.toMatch(/ALTER ROLE debezium[^;]*SUPERUSER/);
    expect(sql).not.toMatch(/GRANT [^;]*pg_read_all_data|GRANT [^;]*TO debezium WITH ADMIN/);
  });

  it('lets Debezium read the captured schemas and nothing more', () => {
    expect(sql).toContain('GRANT USAGE ON SCHEMA public TO debezium;');
    expect(sql).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE transactions_app IN SCHEMA public GRANT SELECT ON TABLES TO debezium;');
    expect(sql).not.toMatch(/GRANT (ALL|INSERT|UPDATE|DELETE|TRUNCATE)[^;]*TO debezium/);
  });

  it('creates the pgoutput publication for the captured schemas', () => {
    expect(sql).toContain('CREATE PUBLICATION cdc8s_publication FOR TABLES IN SCHEMA public;');
    expect(sql).toContain('public.transactions, public.accounts');
  });

  it('accepts the Debezium role from the pod network over scram-sha-256 only', () => {
    const rows = hba.split('\n').filter((l) => l.startsWith('host'));
    expect(rows.some((r) => /^host\s+transactions\s+debezium\s+\S+\s+scram-sha-256$/.test(r))).toBe(true);
    expect(rows.every((r) => r.endsWith('scram-sha-256'))).toBe(true);
    expect(hba).not.toMatch(/\btrust\b/);
  });

  it('builds FROM a pinned postgres image and tags the result with a digest of the context', () => {
    expect(dockerfile).toMatch(/^FROM docker\.io\/library\/postgres:17\.\d+-bookworm(@sha256:[0-9a-f]{64})?$/m);
    expect(container.image).toMatch(/\/postgres-debezium:17\.\d+-bookworm-[0-9a-f]{12}$/);
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
    return renderEnvironment({ name: 'eks', file: 'eks.yaml', config: validateConfig('eks.yaml', copy) }).images[0].ref;
  };

  it('is stable for the same config', () => {
    expect(imageFor(() => {})).toBe(imageFor(() => {}));
  });

  it('changes when a Postgres setting changes', () => {
    expect(imageFor((c) => { c.postgres.replication.maxWalSenders = 12; })).not.toBe(imageFor(() => {}));
  });

  it('changes when the captured tables change', () => {
    expect(imageFor((c) => { c.capture.tables.push({ schema: 'ledger', table: 'entries' }); })).not.toBe(imageFor(() => {}));
  });
});
