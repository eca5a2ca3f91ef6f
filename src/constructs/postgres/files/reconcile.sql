-- The reconcile (src/constructs/postgres/reconcile.ts): idempotent, it brings the live database to
-- the config. Runs as the superuser over the local socket, at first start (the image's entrypoint)
-- and on every start or change (the reconcile sidecar). Prints only what it changes.
-- What the config says comes from target.json beside this file (CDC8S_RECONCILE_DIR), as data:
-- names reach SQL only through psql's :"identifier" and :'literal' quoting, or format()'s %I and %L.
\set ON_ERROR_STOP on
\set QUIET on
\getenv dir CDC8S_RECONCILE_DIR
\set target `cat :'dir'/target.json`
SET client_min_messages = notice;
-- Never queue behind the application for long (ALTER PUBLICATION locks each table): fail and retry.
SET lock_timeout = '5s';
SET statement_timeout = '60s';
SELECT t->>'database' AS database,
       t->>'appUser' AS app_user,
       t->>'debeziumUser' AS debezium_user,
       t->>'monitorUser' AS monitor_user,
       t->'signalTable'->>'schema' AS signal_schema,
       t->'signalTable'->>'table' AS signal_table,
       t->'passwordFiles'->>'app' AS app_password_file,
       t->'passwordFiles'->>'debezium' AS debezium_password_file,
       (t->'appSessionLimits'->>'idleInTransactionSeconds') || 's' AS idle_in_transaction_timeout,
       (t->'appSessionLimits'->>'statementSeconds') || 's' AS app_statement_timeout
  FROM (SELECT :'target'::jsonb AS t) target \gset
-- psql reads the mounted Secrets itself: no password is written here or passed on a command line.
\set app_password `cat :'app_password_file'`
\set debezium_password `cat :'debezium_password_file'`

-- SCRAM-SHA-256 (RFC 7677, as PostgreSQL stores it) in PL/pgSQL, so the reconcile can tell whether a
-- mounted password still matches the role's verifier, and set a new one without the password ever
-- reaching a statement PostgreSQL could log: ALTER ROLE receives only the verifier. The functions
-- live in pg_temp: nothing is installed in the database. PBKDF2's pads are computed once per call.
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

-- Roles: created when missing, their attributes pinned on every run.
SELECT format('CREATE ROLE %I', r) FROM (VALUES (:'app_user'), (:'debezium_user'), (:'monitor_user')) AS v(r) WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE :"app_user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
-- No application session holds a transaction open for long: the connector's first start
-- (CREATE_REPLICATION_SLOT waits for every open transaction) and VACUUM wait on it. New sessions only.
ALTER ROLE :"app_user" SET idle_in_transaction_session_timeout = :'idle_in_transaction_timeout';
ALTER ROLE :"app_user" SET statement_timeout = :'app_statement_timeout';
-- Debezium: may stream WAL and read the captured tables, nothing more (no SUPERUSER).
ALTER ROLE :"debezium_user" WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
-- postgres_exporter: reads the statistics views (pg_monitor), no data; it has no password and logs
-- in only over the socket (pg_hba.conf, peer map), to the maintenance database.
ALTER ROLE :"monitor_user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD NULL;
SELECT format('GRANT pg_monitor TO %I', :'monitor_user') WHERE NOT pg_has_role(:'monitor_user', 'pg_monitor', 'MEMBER') \gexec
-- Passwords: set only when the mounted Secret no longer matches (a rotation), as a SCRAM verifier.
SELECT format('ALTER ROLE %I PASSWORD %L', rolname, pg_temp.cdc8s_scram(p, uuid_send(gen_random_uuid()), 4096)),
       format('DO $n$ BEGIN RAISE NOTICE %L; END $n$', format('password of %s set from its Secret', rolname))
  FROM pg_authid JOIN (VALUES (:'app_user', :'app_password'), (:'debezium_user', :'debezium_password')) AS v(r, p) ON rolname = r
  WHERE NOT pg_temp.cdc8s_password_matches(coalesce(rolpassword, ''), p) \gexec

SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'app_user') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
ALTER DATABASE :"database" OWNER TO :"app_user";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app_user", :"debezium_user";

-- Where the backup sidecar records the newest full backup (backup-status.sql) and postgres_exporter
-- reads it (exporter-queries.yaml): the maintenance database, readable by pg_monitor.
SELECT 'CREATE SCHEMA cdc8s_backup' WHERE NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'cdc8s_backup') \gexec
SELECT 'CREATE TABLE cdc8s_backup.status (stanza text PRIMARY KEY, last_full_stop timestamptz NOT NULL)' WHERE to_regclass('cdc8s_backup.status') IS NULL \gexec
SELECT 'GRANT USAGE ON SCHEMA cdc8s_backup TO pg_monitor' WHERE NOT has_schema_privilege('pg_monitor', 'cdc8s_backup', 'USAGE') \gexec
SELECT 'GRANT SELECT ON cdc8s_backup.status TO pg_monitor' WHERE NOT has_table_privilege('pg_monitor', 'cdc8s_backup.status', 'SELECT') \gexec

\connect :"database"
\set QUIET on
SET lock_timeout = '5s';
SET statement_timeout = '60s';
-- PL/pgSQL sees no psql variables: the target reaches the DO blocks below as a session setting,
-- read through these helpers (in pg_temp: nothing is installed in the database).
SELECT set_config('cdc8s.target', :'target', false) \gset cdc8s_
CREATE FUNCTION pg_temp.cdc8s_target() RETURNS jsonb LANGUAGE sql STABLE AS $f$
  SELECT current_setting('cdc8s.target')::jsonb
$f$;
-- The captured tables (and, with the signal table, what is published), as (schema, table) rows.
CREATE FUNCTION pg_temp.cdc8s_captured(with_signal_table boolean DEFAULT false) RETURNS TABLE (nspname name, relname name) LANGUAGE sql STABLE AS $f$
  SELECT (t->>'schema')::name, (t->>'table')::name
    FROM jsonb_array_elements(pg_temp.cdc8s_target()->'tables'
      || CASE WHEN with_signal_table THEN jsonb_build_array(pg_temp.cdc8s_target()->'signalTable') ELSE '[]'::jsonb END) t
$f$;
-- IF NOT EXISTS would report every object that exists; the reconcile's own notices follow.
SET client_min_messages = warning;
-- The captured tables' schemas: the application owns them and creates its tables (its migrations).
SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', nspname, :'app_user'),
       format('ALTER SCHEMA %I OWNER TO %I', nspname, :'app_user'),
       format('GRANT USAGE ON SCHEMA %I TO %I', nspname, :'debezium_user')
  FROM (SELECT DISTINCT nspname FROM pg_temp.cdc8s_captured()) schemas ORDER BY nspname \gexec

-- Debezium's signal table (ad hoc incremental snapshots). Only Debezium writes it (its watermarks),
-- besides the superuser who sends the signals; it is published so the signals reach the connector.
CREATE SCHEMA IF NOT EXISTS :"signal_schema" AUTHORIZATION postgres;
CREATE TABLE IF NOT EXISTS :"signal_schema".:"signal_table" (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048));
GRANT USAGE ON SCHEMA :"signal_schema" TO :"debezium_user";
SET client_min_messages = notice;

-- Debezium reads exactly the captured tables: no default privileges, no grant on any other table.
DO $$
DECLARE
  r record;
  debezium text := pg_temp.cdc8s_target()->>'debeziumUser';
BEGIN
  FOR r IN SELECT pg_get_userbyid(a.defaclrole) AS owner, n.nspname, a.defaclobjtype
      FROM pg_default_acl a LEFT JOIN pg_namespace n ON n.oid = a.defaclnamespace, aclexplode(a.defaclacl) x
      WHERE x.grantee = (SELECT oid FROM pg_roles WHERE rolname = debezium) LOOP
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I %s REVOKE ALL ON %s FROM %I', r.owner,
      CASE WHEN r.nspname IS NULL THEN '' ELSE format('IN SCHEMA %I', r.nspname) END,
      CASE r.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END,
      debezium);
    RAISE NOTICE 'removed default privileges of % for %', r.owner, debezium;
  END LOOP;
  FOR r IN SELECT DISTINCT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) x
      WHERE x.grantee = (SELECT oid FROM pg_roles WHERE rolname = debezium)
        AND (n.nspname, c.relname) NOT IN (SELECT * FROM pg_temp.cdc8s_captured(true)) LOOP
    EXECUTE format('REVOKE ALL ON %s FROM %I', r.rel, debezium);
    RAISE NOTICE 'revoked % on % (not captured)', debezium, r.rel;
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS rel, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (SELECT * FROM pg_temp.cdc8s_captured())
        AND NOT has_table_privilege(debezium, c.oid, 'SELECT') LOOP
    EXECUTE format('GRANT SELECT ON %s TO %I', r.rel, debezium);
    RAISE NOTICE 'granted SELECT on % to %', r.rel, debezium;
  END LOOP;
END $$;
GRANT SELECT, INSERT ON :"signal_schema".:"signal_table" TO :"debezium_user";

-- The guards on each captured table that exists (target.json "guards"): its replica identity, and
-- the triggers, whose functions live in the signal table's schema (the superuser owns it). A table
-- that appears later gets them on the reconcile that publishes it.
-- capture.replicaIdentity: full: whole rows in update and delete events, set where it is not;
-- default: the tables keep the identity they have.
DO $$
DECLARE r record;
BEGIN
  IF NOT (pg_temp.cdc8s_target()->'guards'->>'replicaIdentityFull')::boolean THEN RETURN; END IF;
  FOR r IN SELECT format('%I.%I', n.nspname, c.relname) AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (SELECT * FROM pg_temp.cdc8s_captured()) AND c.relreplident <> 'f' LOOP
    EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', r.rel);
    RAISE NOTICE 'replica identity of % set to FULL', r.rel;
  END LOOP;
END $$;
-- A change event larger than capture.maxEventBytes would stop the connector and every table with it:
-- the database refuses the row instead, naming the limit. The row as JSON is at least as large as in
-- the event (bytea is hex here, base64 there); the event's envelope and schema have their own room.
-- Under FULL an update's event carries the old row too. The limit is written into the function: an
-- application session cannot change it.
SELECT format($def$CREATE OR REPLACE FUNCTION %I.cdc8s_limit_event_size() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
  size bigint := octet_length(row_to_json(NEW)::text)%s;
BEGIN
  IF size > %s THEN
    RAISE EXCEPTION '%% of a row of %%.%% refused: its change event would carry %% bytes of row data, more than the %s capture.maxEventBytes leaves for it', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME, size
      USING ERRCODE = 'program_limit_exceeded', HINT = 'store large objects elsewhere and keep a reference in the row, or raise capture.maxEventBytes (docs/architecture.md, Large rows)';
  END IF;
  RETURN NEW;
END $f$$def$,
  :'signal_schema',
  CASE WHEN (t->'guards'->>'replicaIdentityFull')::boolean THEN ' + CASE WHEN TG_OP = ''UPDATE'' THEN octet_length(row_to_json(OLD)::text) ELSE 0 END' ELSE '' END,
  (t->'guards'->>'maxRowJsonBytes')::bigint,
  (t->'guards'->>'maxRowJsonBytes')::bigint)
  FROM (SELECT pg_temp.cdc8s_target() AS t) target \gexec
DO $$
DECLARE
  r record;
  functions text := pg_temp.cdc8s_target()->'signalTable'->>'schema';
BEGIN
  FOR r IN SELECT format('%I.%I', n.nspname, c.relname) AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (SELECT * FROM pg_temp.cdc8s_captured())
        AND NOT EXISTS (SELECT FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND tg.tgname = 'zz_cdc8s_event_size') LOOP
    EXECUTE format('CREATE TRIGGER zz_cdc8s_event_size BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %I.cdc8s_limit_event_size()', r.rel, functions);
    RAISE NOTICE 'event size limit set on %', r.rel;
  END LOOP;
END $$;
-- TRUNCATE reaches no consumer as a change of each row (compacted topics refuse its keyless record).
CREATE OR REPLACE FUNCTION :"signal_schema".cdc8s_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION 'TRUNCATE of %.% refused: the table is captured, and its topic would keep every truncated row', TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'feature_not_supported', HINT = 'DELETE the rows instead (each becomes a delete event and a tombstone), or see capture.truncate in docs/architecture.md';
END $f$;
-- capture.truncate: refuse sets the trigger where it is missing; skip removes it.
DO $$
DECLARE
  r record;
  refuse boolean := (pg_temp.cdc8s_target()->'guards'->>'refuseTruncate')::boolean;
  functions text := pg_temp.cdc8s_target()->'signalTable'->>'schema';
BEGIN
  FOR r IN SELECT format('%I.%I', n.nspname, c.relname) AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (SELECT * FROM pg_temp.cdc8s_captured())
        AND refuse <> EXISTS (SELECT FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND tg.tgname = 'cdc8s_refuse_truncate') LOOP
    IF refuse THEN
      EXECUTE format('CREATE TRIGGER cdc8s_refuse_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION %I.cdc8s_refuse_truncate()', r.rel, functions);
      RAISE NOTICE 'TRUNCATE refused on %', r.rel;
    ELSE
      EXECUTE format('DROP TRIGGER cdc8s_refuse_truncate ON %s', r.rel);
      RAISE NOTICE 'TRUNCATE allowed again on %', r.rel;
    END IF;
  END LOOP;
END $$;
-- A table no longer captured loses the triggers (its replica identity stays as it is).
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT format('%I.%I', n.nspname, c.relname) AS rel, tg.tgname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_trigger tg ON tg.tgrelid = c.oid
      WHERE tg.tgname IN ('zz_cdc8s_event_size', 'cdc8s_refuse_truncate')
        AND NOT (c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (SELECT * FROM pg_temp.cdc8s_captured())) LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.rel);
    RAISE NOTICE '% removed from % (no longer captured)', r.tgname, r.rel;
  END LOOP;
END $$;

-- The publication holds exactly the captured tables that exist (and the signal table), added as
-- each appears; a table without a primary key is left out (publishing it would make PostgreSQL
-- reject its UPDATEs and DELETEs) and the check that follows the reconcile fails on it.
-- Created by the superuser: the connector runs with publication.autocreate.mode=disabled.
-- It never publishes TRUNCATE: the connector skips it (skipped.operations=t), as Debezium 3.6+
-- carries into the publications it creates itself (publication.autocreate.mode=filtered).
SELECT format('CREATE PUBLICATION %I WITH (publish = %L)', t->>'publication', t->>'publishedOperations')
  FROM (SELECT pg_temp.cdc8s_target() AS t) target WHERE NOT EXISTS (SELECT FROM pg_publication WHERE pubname = t->>'publication') \gexec
DO $$
DECLARE
  r record;
  wanted text[];
  current text[];
  publication text := pg_temp.cdc8s_target()->>'publication';
  operations text := pg_temp.cdc8s_target()->>'publishedOperations';
BEGIN
  IF (SELECT puballtables FROM pg_publication WHERE pubname = publication) THEN
    RAISE EXCEPTION 'publication % is FOR ALL TABLES; drop it so the reconcile can recreate it with the captured tables', publication;
  END IF;
  -- A schema-wide publication (an earlier first-start script) publishes every table the app adds.
  FOR r IN SELECT n.nspname FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid JOIN pg_namespace n ON n.oid = pn.pnnspid
      WHERE p.pubname = publication LOOP
    EXECUTE format('ALTER PUBLICATION %I DROP TABLES IN SCHEMA %I', publication, r.nspname);
    RAISE NOTICE 'publication no longer publishes all of schema %', r.nspname;
  END LOOP;
  IF (SELECT pubtruncate OR NOT (pubinsert AND pubupdate AND pubdelete) FROM pg_publication WHERE pubname = publication) THEN
    EXECUTE format('ALTER PUBLICATION %I SET (publish = %L)', publication, operations);
    RAISE NOTICE 'publication now publishes %', operations;
  END IF;
  -- Both lists sorted by the name itself (an aggregate's ORDER BY 1 sorts by the constant 1).
  SELECT coalesce(array_agg(name ORDER BY name COLLATE "C"), '{}') INTO wanted FROM (SELECT format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (SELECT * FROM pg_temp.cdc8s_captured(true))
      AND EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)) wanted_tables;
  SELECT coalesce(array_agg(name ORDER BY name COLLATE "C"), '{}') INTO current FROM (SELECT format('%I.%I', schemaname, tablename) AS name
    FROM pg_publication_tables WHERE pubname = publication) published_tables;
  IF wanted IS DISTINCT FROM current THEN
    EXECUTE format('ALTER PUBLICATION %I SET TABLE %s', publication, array_to_string(wanted, ', '));
    RAISE NOTICE 'publication now publishes %', array_to_string(wanted, ', ');
  END IF;
END $$;

-- Certificates and pg_hba.conf are re-read without a restart (a renewed certificate takes effect here).
SELECT pg_reload_conf() \gset cdc8s_
