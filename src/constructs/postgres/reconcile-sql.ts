import { CapturedTable } from '../../model/config';

/** What the live database must match; every run of the reconcile brings it here. */
export interface DatabaseTarget {
  /** Environment the script is rendered for (named in its header). */
  readonly environment: string;
  /** Application database; owned by the app role. */
  readonly database: string;
  /** Role that owns the database and the captured schemas (the application's migrations). */
  readonly appUser: string;
  /** Replication role Debezium logs in as. */
  readonly debeziumUser: string;
  /** Tables Debezium captures: exactly these are readable by it and published. */
  readonly tables: readonly CapturedTable[];
  /** Name of the pgoutput publication. */
  readonly publication: string;
  /** Debezium's signal table (ad hoc snapshots); created here, published, writable by Debezium only. */
  readonly signalTable: CapturedTable;
  /** Where each login role's password Secret is mounted (a `password` file in each). */
  readonly passwordFiles: { readonly app: string; readonly debezium: string };
  /** What each captured table carries so that its events are whole and none stops the pipeline. */
  readonly guards: CapturedTableGuards;
  /** Timeouts set on the application role (seconds). */
  readonly appSessionLimits: { readonly idleInTransactionSeconds: number; readonly statementSeconds: number };
}

/** Kept on every captured table that exists, by the reconcile. */
export interface CapturedTableGuards {
  /** REPLICA IDENTITY FULL: update and delete events carry the whole old row, unchanged TOASTed values included. */
  readonly replicaIdentityFull: boolean;
  /** A trigger rejects TRUNCATE, which Debezium cannot carry to a compacted topic. */
  readonly refuseTruncate: boolean;
  /** A trigger rejects an INSERT or UPDATE whose row as JSON (with the old row, under FULL) is larger. */
  readonly maxRowJsonBytes: number;
}

/** The guards' trigger names. The size check runs last of the table's BEFORE ROW triggers (they fire in name order), on the row as it will be stored. */
export const TRUNCATE_TRIGGER = 'cdc8s_refuse_truncate';
export const EVENT_SIZE_TRIGGER = 'zz_cdc8s_event_size';
/** What the publication carries: every row change, never TRUNCATE (see capture.truncate). */
export const PUBLISHED_OPERATIONS = 'insert, update, delete';

/** Lower-case names stay bare (Debezium's include list matches them as written); others are quoted. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** `ARRAY[('schema','table'), …]` as a VALUES list, for joins against the catalog. */
function tableValues(tables: readonly CapturedTable[]): string {
  return tables.map((t) => `(${literal(t.schema)}, ${literal(t.table)})`).join(', ');
}

/** Set in each session the reconcile opens (\connect starts a new one). */
const SESSION_TIMEOUTS = ["SET lock_timeout = '5s';", "SET statement_timeout = '60s';"];

/**
 * A table (as `c`, its pg_class row) that is not published: without a primary key, Debezium's
 * events have no key, which compacted topics refuse (and PostgreSQL refuses its UPDATEs and DELETEs
 * once published under the default identity).
 */
const UNPUBLISHABLE = 'NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)';

/**
 * SCRAM-SHA-256 (RFC 7677, as PostgreSQL stores it) in PL/pgSQL, so the reconcile can tell whether a
 * mounted password still matches the role's verifier, and set a new one without the password ever
 * reaching a statement PostgreSQL could log: ALTER ROLE receives only the verifier. The functions
 * live in pg_temp: nothing is installed in the database. PBKDF2's pads are computed once per call.
 */
const SCRAM_FUNCTIONS = String.raw`
CREATE FUNCTION pg_temp.cdc8s_pads(key bytea) RETURNS bytea[] LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE
  k bytea := CASE WHEN length(key) > 64 THEN sha256(key) ELSE key END;
  ipad bytea; opad bytea;
BEGIN
  k := k || decode(repeat('00', 64 - length(k)), 'hex');
  ipad := k; opad := k;
  FOR i IN 0..63 LOOP
    ipad := set_byte(ipad, i, get_byte(k, i) # 54);
    opad := set_byte(opad, i, get_byte(k, i) # 92);
  END LOOP;
  RETURN ARRAY[ipad, opad];
END $f$;

CREATE FUNCTION pg_temp.cdc8s_hmac(key bytea, message bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $f$
  SELECT sha256(p[2] || sha256(p[1] || message)) FROM (SELECT pg_temp.cdc8s_pads(key) AS p) pads
$f$;

CREATE FUNCTION pg_temp.cdc8s_salted_password(password text, salt bytea, iterations int) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE
  pads bytea[] := pg_temp.cdc8s_pads(convert_to(password, 'UTF8'));
  u bytea := sha256(pads[2] || sha256(pads[1] || salt || '\x00000001'::bytea));
  acc bigint[] := ARRAY[0, 0, 0, 0];
BEGIN
  FOR i IN 1..iterations LOOP
    IF i > 1 THEN u := sha256(pads[2] || sha256(pads[1] || u)); END IF;
    FOR w IN 0..3 LOOP
      acc[w + 1] := acc[w + 1] # ('x' || encode(substr(u, w * 8 + 1, 8), 'hex'))::bit(64)::bigint;
    END LOOP;
  END LOOP;
  RETURN decode(lpad(to_hex(acc[1]), 16, '0') || lpad(to_hex(acc[2]), 16, '0') || lpad(to_hex(acc[3]), 16, '0') || lpad(to_hex(acc[4]), 16, '0'), 'hex');
END $f$;

CREATE FUNCTION pg_temp.cdc8s_scram(password text, salt bytea, iterations int) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT format('SCRAM-SHA-256$%s:%s$%s:%s', iterations, encode(salt, 'base64'),
    encode(sha256(pg_temp.cdc8s_hmac(s, convert_to('Client Key', 'UTF8'))), 'base64'),
    encode(pg_temp.cdc8s_hmac(s, convert_to('Server Key', 'UTF8')), 'base64'))
  FROM (SELECT pg_temp.cdc8s_salted_password(password, salt, iterations) AS s) salted
$f$;

-- True when the stored verifier was made from this password (same salt and iteration count).
CREATE FUNCTION pg_temp.cdc8s_password_matches(verifier text, password text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $f$
  SELECT coalesce((SELECT pg_temp.cdc8s_scram(password, decode(m[2], 'base64'), m[1]::int) = verifier
    FROM regexp_match(verifier, '^SCRAM-SHA-256\$(\d+):([^$]+)\$') AS m WHERE m IS NOT NULL), false)
$f$;
`;

/**
 * The idempotent SQL that brings a live PostgreSQL to `target`, run as the superuser over the local
 * socket by psql: at first start (from the image's init script) and by the reconcile sidecar at
 * every server start and whenever its inputs change. It prints only what it changed, never a password.
 */
export function reconcileSql(target: DatabaseTarget): string {
  const t = target;
  const app = quoteIdent(t.appUser);
  const debezium = quoteIdent(t.debeziumUser);
  const db = quoteIdent(t.database);
  const schemas = [...new Set(t.tables.map((x) => x.schema))];
  const signal = `${quoteIdent(t.signalTable.schema)}.${quoteIdent(t.signalTable.table)}`;
  const published = tableValues([...t.tables, t.signalTable]);
  const readable = tableValues(t.tables);
  return [
    `-- Rendered by cdc8s for environment ${t.environment}: change environments/${t.environment}.yaml, not this file.`,
    '-- Idempotent: brings the live database to the config. Runs as the superuser over the local socket,',
    '-- at first start and on every start or change (the reconcile sidecar). Prints only what it changes.',
    '\\set ON_ERROR_STOP on',
    '\\set QUIET on',
    'SET client_min_messages = notice;',
    '-- Never queue behind the application for long (ALTER PUBLICATION locks each table): fail and retry.',
    ...SESSION_TIMEOUTS,
    '-- psql reads the mounted Secrets itself: no password is written here or passed on a command line.',
    `\\set app_password \`cat ${t.passwordFiles.app}\``,
    `\\set debezium_password \`cat ${t.passwordFiles.debezium}\``,
    SCRAM_FUNCTIONS,
    '-- Roles: created when missing, their attributes pinned on every run.',
    `SELECT format('CREATE ROLE %I', r) FROM (VALUES (${literal(t.appUser)}), (${literal(t.debeziumUser)})) AS v(r) WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \\gexec`,
    `ALTER ROLE ${app} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;`,
    "-- No application session holds a transaction open for long: the connector's first start",
    '-- (CREATE_REPLICATION_SLOT waits for every open transaction) and VACUUM wait on it. New sessions only.',
    `ALTER ROLE ${app} SET idle_in_transaction_session_timeout = '${t.appSessionLimits.idleInTransactionSeconds}s';`,
    `ALTER ROLE ${app} SET statement_timeout = '${t.appSessionLimits.statementSeconds}s';`,
    '-- Debezium: may stream WAL and read the captured tables, nothing more (no SUPERUSER).',
    `ALTER ROLE ${debezium} WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;`,
    '-- Passwords: set only when the mounted Secret no longer matches (a rotation), as a SCRAM verifier.',
    `SELECT format('ALTER ROLE %I PASSWORD %L', rolname, pg_temp.cdc8s_scram(p, uuid_send(gen_random_uuid()), 4096)),`,
    `       format('DO $n$ BEGIN RAISE NOTICE %L; END $n$', format('password of %s set from its Secret', rolname))`,
    `  FROM pg_authid JOIN (VALUES (${literal(t.appUser)}, :'app_password'), (${literal(t.debeziumUser)}, :'debezium_password')) AS v(r, p) ON rolname = r`,
    "  WHERE NOT pg_temp.cdc8s_password_matches(coalesce(rolpassword, ''), p) \\gexec",
    '',
    `SELECT format('CREATE DATABASE %I OWNER %I', ${literal(t.database)}, ${literal(t.appUser)}) WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${literal(t.database)}) \\gexec`,
    `ALTER DATABASE ${db} OWNER TO ${app};`,
    `REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`,
    `GRANT CONNECT ON DATABASE ${db} TO ${app}, ${debezium};`,
    '',
    `\\connect ${db}`,
    '\\set QUIET on',
    ...SESSION_TIMEOUTS,
    "-- IF NOT EXISTS would report every object that exists; the reconcile's own notices follow.",
    'SET client_min_messages = warning;',
    ...schemas.flatMap((s) => [
      `-- Schema ${s}: the application owns it and creates its tables (its migrations).`,
      `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)} AUTHORIZATION ${app};`,
      `ALTER SCHEMA ${quoteIdent(s)} OWNER TO ${app};`,
      `GRANT USAGE ON SCHEMA ${quoteIdent(s)} TO ${debezium};`,
    ]),
    '',
    "-- Debezium's signal table (ad hoc incremental snapshots). Only Debezium writes it (its watermarks),",
    '-- besides the superuser who sends the signals; it is published so the signals reach the connector.',
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(t.signalTable.schema)} AUTHORIZATION postgres;`,
    `CREATE TABLE IF NOT EXISTS ${signal} (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048));`,
    `GRANT USAGE ON SCHEMA ${quoteIdent(t.signalTable.schema)} TO ${debezium};`,
    'SET client_min_messages = notice;',
    '',
    '-- Debezium reads exactly the captured tables: no default privileges, no grant on any other table.',
    'DO $$',
    'DECLARE r record;',
    'BEGIN',
    '  FOR r IN SELECT pg_get_userbyid(a.defaclrole) AS owner, n.nspname, a.defaclobjtype',
    '      FROM pg_default_acl a LEFT JOIN pg_namespace n ON n.oid = a.defaclnamespace, aclexplode(a.defaclacl) x',
    `      WHERE x.grantee = (SELECT oid FROM pg_roles WHERE rolname = ${literal(t.debeziumUser)}) LOOP`,
    "    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I %s REVOKE ALL ON %s FROM %I', r.owner,",
    "      CASE WHEN r.nspname IS NULL THEN '' ELSE format('IN SCHEMA %I', r.nspname) END,",
    "      CASE r.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END,",
    `      ${literal(t.debeziumUser)});`,
    "    RAISE NOTICE 'removed default privileges of % for %', r.owner, " + literal(t.debeziumUser) + ';',
    '  END LOOP;',
    '  FOR r IN SELECT DISTINCT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) x',
    `      WHERE x.grantee = (SELECT oid FROM pg_roles WHERE rolname = ${literal(t.debeziumUser)})`,
    `        AND (n.nspname, c.relname) NOT IN (VALUES ${published}) LOOP`,
    `    EXECUTE format('REVOKE ALL ON %s FROM %I', r.rel, ${literal(t.debeziumUser)});`,
    "    RAISE NOTICE 'revoked % on % (not captured)', " + literal(t.debeziumUser) + ', r.rel;',
    '  END LOOP;',
    '  FOR r IN SELECT c.oid::regclass AS rel, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace',
    `      WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (VALUES ${readable})`,
    `        AND NOT has_table_privilege(${literal(t.debeziumUser)}, c.oid, 'SELECT') LOOP`,
    `    EXECUTE format('GRANT SELECT ON %s TO %I', r.rel, ${literal(t.debeziumUser)});`,
    "    RAISE NOTICE 'granted SELECT on % to %', r.rel, " + literal(t.debeziumUser) + ';',
    '  END LOOP;',
    'END $$;',
    `GRANT SELECT, INSERT ON ${signal} TO ${debezium};`,
    '',
    ...guardsSql(t),
    '',
    '-- The publication holds exactly the captured tables that exist (and the signal table), added as',
    '-- each appears; a table without a primary key is left out (publishing it would make PostgreSQL',
    '-- reject its UPDATEs and DELETEs) and the check that follows the reconcile fails on it.',
    '-- Created by the superuser: the connector runs with publication.autocreate.mode=disabled.',
    '-- It never publishes TRUNCATE: the connector skips it (skipped.operations=t), as Debezium 3.6+',
    '-- carries into the publications it creates itself (publication.autocreate.mode=filtered).',
    `SELECT format('CREATE PUBLICATION %I WITH (publish = %L)', ${literal(t.publication)}, ${literal(PUBLISHED_OPERATIONS)}) WHERE NOT EXISTS (SELECT FROM pg_publication WHERE pubname = ${literal(t.publication)}) \\gexec`,
    'DO $$',
    'DECLARE',
    '  r record;',
    '  wanted text[];',
    '  current text[];',
    'BEGIN',
    `  IF (SELECT puballtables FROM pg_publication WHERE pubname = ${literal(t.publication)}) THEN`,
    `    RAISE EXCEPTION 'publication % is FOR ALL TABLES; drop it so the reconcile can recreate it with the captured tables', ${literal(t.publication)};`,
    '  END IF;',
    '  -- A schema-wide publication (an earlier first-start script) publishes every table the app adds.',
    '  FOR r IN SELECT n.nspname FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid JOIN pg_namespace n ON n.oid = pn.pnnspid',
    `      WHERE p.pubname = ${literal(t.publication)} LOOP`,
    `    EXECUTE format('ALTER PUBLICATION %I DROP TABLES IN SCHEMA %I', ${literal(t.publication)}, r.nspname);`,
    "    RAISE NOTICE 'publication no longer publishes all of schema %', r.nspname;",
    '  END LOOP;',
    `  IF (SELECT pubtruncate OR NOT (pubinsert AND pubupdate AND pubdelete) FROM pg_publication WHERE pubname = ${literal(t.publication)}) THEN`,
    `    EXECUTE format('ALTER PUBLICATION %I SET (publish = %L)', ${literal(t.publication)}, ${literal(PUBLISHED_OPERATIONS)});`,
    `    RAISE NOTICE 'publication now publishes %', ${literal(PUBLISHED_OPERATIONS)};`,
    '  END IF;',
    "  -- Both lists sorted by the name itself (an aggregate's ORDER BY 1 sorts by the constant 1).",
    "  SELECT coalesce(array_agg(name ORDER BY name COLLATE \"C\"), '{}') INTO wanted FROM (SELECT format('%I.%I', n.nspname, c.relname) AS name",
    '    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace',
    `    WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (VALUES ${published})`,
    `      AND NOT (${UNPUBLISHABLE})) wanted_tables;`,
    "  SELECT coalesce(array_agg(name ORDER BY name COLLATE \"C\"), '{}') INTO current FROM (SELECT format('%I.%I', schemaname, tablename) AS name",
    `    FROM pg_publication_tables WHERE pubname = ${literal(t.publication)}) published_tables;`,
    '  IF wanted IS DISTINCT FROM current THEN',
    `    EXECUTE format('ALTER PUBLICATION %I SET TABLE %s', ${literal(t.publication)}, array_to_string(wanted, ', '));`,
    "    RAISE NOTICE 'publication now publishes %', array_to_string(wanted, ', ');",
    '  END IF;',
    'END $$;',
    '',
    '-- Certificates and pg_hba.conf are re-read without a restart (a renewed certificate takes effect here).',
    'SELECT pg_reload_conf() \\gset cdc8s_',
    '',
  ].join('\n');
}

/**
 * The guards on each captured table that exists: its replica identity, and the triggers (their
 * functions live in the signal table's schema, which the superuser owns). A table that appears
 * later gets them on the reconcile that publishes it.
 */
function guardsSql(t: DatabaseTarget): string[] {
  const g = t.guards;
  const functions = quoteIdent(t.signalTable.schema);
  const captured = `c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (VALUES ${tableValues(t.tables)})`;
  /** A DO block that runs `action` (a format() with the table as %s) for each table matching `condition`. */
  const forEachTable = (condition: string, action: string, notice: string, tables = captured) => [
    'DO $$',
    'DECLARE r record;',
    'BEGIN',
    "  FOR r IN SELECT format('%I.%I', n.nspname, c.relname) AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace",
    `      WHERE ${tables} AND ${condition} LOOP`,
    `    EXECUTE format(${literal(action)}, r.rel);`,
    `    RAISE NOTICE ${literal(notice)}, r.rel;`,
    '  END LOOP;',
    'END $$;',
  ];
  const hasTrigger = (name: string) => `EXISTS (SELECT FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND tg.tgname = ${literal(name)})`;
  // Under FULL an update's event carries the old row too.
  const rowBytes = g.replicaIdentityFull
    ? "octet_length(row_to_json(NEW)::text) + CASE WHEN TG_OP = 'UPDATE' THEN octet_length(row_to_json(OLD)::text) ELSE 0 END"
    : 'octet_length(row_to_json(NEW)::text)';
  return [
    g.replicaIdentityFull
      ? '-- Whole rows in update and delete events (capture.replicaIdentity: full): set where it is not.'
      : '-- capture.replicaIdentity: default: the tables keep the identity they have.',
    ...(g.replicaIdentityFull ? forEachTable("c.relreplident <> 'f'", 'ALTER TABLE %s REPLICA IDENTITY FULL', 'replica identity of % set to FULL') : []),
    '-- A change event larger than capture.maxEventBytes would stop the connector and every table with it:',
    '-- the database refuses the row instead, naming the limit. The row as JSON is at least as large as in',
    "-- the event (bytea is hex here, base64 there); the event's envelope and schema have their own room.",
    `CREATE OR REPLACE FUNCTION ${functions}.cdc8s_limit_event_size() RETURNS trigger LANGUAGE plpgsql AS $f$`,
    'DECLARE',
    `  size bigint := ${rowBytes};`,
    'BEGIN',
    `  IF size > ${g.maxRowJsonBytes} THEN`,
    `    RAISE EXCEPTION '% of a row of %.% refused: its change event would carry % bytes of row data, more than the ${g.maxRowJsonBytes} capture.maxEventBytes leaves for it', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME, size`,
    "      USING ERRCODE = 'program_limit_exceeded', HINT = 'store large objects elsewhere and keep a reference in the row, or raise capture.maxEventBytes (README, Large rows)';",
    '  END IF;',
    '  RETURN NEW;',
    'END $f$;',
    ...forEachTable(
      `NOT ${hasTrigger(EVENT_SIZE_TRIGGER)}`,
      `CREATE TRIGGER ${EVENT_SIZE_TRIGGER} BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION ${functions}.cdc8s_limit_event_size()`,
      'event size limit set on %',
    ),
    '-- TRUNCATE reaches no consumer as a change of each row (compacted topics refuse its keyless record).',
    `CREATE OR REPLACE FUNCTION ${functions}.cdc8s_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $f$`,
    'BEGIN',
    "  RAISE EXCEPTION 'TRUNCATE of %.% refused: the table is captured, and its topic would keep every truncated row', TG_TABLE_SCHEMA, TG_TABLE_NAME",
    "    USING ERRCODE = 'feature_not_supported', HINT = 'DELETE the rows instead (each becomes a delete event and a tombstone), or see capture.truncate in the README';",
    'END $f$;',
    ...(g.refuseTruncate
      ? forEachTable(
          `NOT ${hasTrigger(TRUNCATE_TRIGGER)}`,
          `CREATE TRIGGER ${TRUNCATE_TRIGGER} BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION ${functions}.cdc8s_refuse_truncate()`,
          'TRUNCATE refused on %',
        )
      : forEachTable(hasTrigger(TRUNCATE_TRIGGER), `DROP TRIGGER ${TRUNCATE_TRIGGER} ON %s`, 'TRUNCATE allowed again on %')),
    '-- A table no longer captured loses the triggers (its replica identity stays as it is).',
    ...[EVENT_SIZE_TRIGGER, TRUNCATE_TRIGGER].flatMap((name) =>
      forEachTable(hasTrigger(name), `DROP TRIGGER ${name} ON %s`, `${name} removed from % (no longer captured)`, `NOT (${captured})`),
    ),
  ];
}
