-- Run by the reconcile sidecar after each reconcile (src/constructs/postgres/reconcile.ts): fails
-- (psql exits non-zero, the error names the tables) while a captured table cannot be published.
-- Separate from the reconcile so everything else still converges, and the application keeps
-- writing the table: it is left out of the publication, not broken.
-- The database comes from the container's env (CDC8S_DATABASE); the captured tables from target.json
-- beside this file (CDC8S_RECONCILE_DIR), which changes without restarting the pod.
\set ON_ERROR_STOP on
\getenv database CDC8S_DATABASE
\getenv dir CDC8S_RECONCILE_DIR
\set target `cat :'dir'/target.json`
\connect :"database"
-- A DO block sees no psql variables: the target reaches it as a session setting.
SELECT set_config('cdc8s.target', :'target', false) \gset cdc8s_
DO $$
DECLARE missing text;
BEGIN
  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') INTO missing
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN jsonb_to_recordset(current_setting('cdc8s.target')::jsonb -> 'tables') AS t(schema text, "table" text)
      ON n.nspname = t.schema AND c.relname = t."table"
   WHERE c.relkind IN ('r', 'p')
     AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'captured table(s) % have no primary key: they are not published, so their changes are not captured', missing
      USING HINT = 'add a primary key: Debezium keys each event by it, and the compacted CDC topics refuse events without a key';
  END IF;
END $$;
