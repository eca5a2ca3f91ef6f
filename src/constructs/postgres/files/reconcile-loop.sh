#!/usr/bin/env bash
# The reconcile sidecar (src/constructs/postgres/reconcile.ts): runs the reconcile whenever one of
# its inputs changes (the server (re)started, the SQL, a mounted Secret or certificate, the tables
# in the captured schemas) and every CDC8S_DRIFT_SECONDS. A failure is logged and retried; the
# database keeps serving. The server is reached as PGHOST/PGPORT/PGUSER say; the rest comes from
# the container's env:
#   CDC8S_RECONCILE_DIR        the ConfigMap: reconcile.sql, then check.sql; target.json names the
#                              captured tables and the signal table (it changes without a restart)
#   CDC8S_READY_FILE           touched once a reconcile succeeded (readiness)
#   CDC8S_HEARTBEAT_FILE       touched on every pass (liveness)
#   CDC8S_WATCHED_FILES        mounted files whose change needs a reconcile, space-separated
#   CDC8S_DATABASE             the application database
#   CDC8S_POLL_SECONDS         between looks at the inputs
#   CDC8S_RETRY_SECONDS        after a failed reconcile or check
#   CDC8S_DRIFT_SECONDS        the longest between two reconciles (undoes a manual GRANT)
set -uo pipefail
dir=${CDC8S_RECONCILE_DIR:?}
ready=${CDC8S_READY_FILE:?}
heartbeat=${CDC8S_HEARTBEAT_FILE:?}
read -r -a watched <<< "${CDC8S_WATCHED_FILES:?}"
database=${CDC8S_DATABASE:?}
poll=${CDC8S_POLL_SECONDS:?}
retry=${CDC8S_RETRY_SECONDS:?}
drift=${CDC8S_DRIFT_SECONDS:?}

# Each table's oid, replica identity and whether it has an index, in the schemas of the captured
# tables and the signal table: a new, altered or dropped table changes it.
tables_sql="SELECT string_agg(c.oid || c.relreplident || c.relhasindex, ',' ORDER BY c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname IN (SELECT t->>'schema' FROM jsonb_array_elements(((:'target')::jsonb->'tables') || ((:'target')::jsonb->'signalTable')) t)"
last=""
while true; do
  touch "$heartbeat"
  pause=$poll
  if started=$(psql -X -At -c 'SELECT pg_postmaster_start_time()' 2>/dev/null); then
    tables=$(psql -X -At -d "$database" -v target="$(cat "$dir/target.json")" <<< "$tables_sql" 2>/dev/null)
    # Contents are hashed, never printed: the watched files include passwords.
    inputs=$(cat "$dir/reconcile.sql" "$dir/check.sql" "$dir/target.json" "${watched[@]}" 2>/dev/null | sha256sum)
    key="$started|$tables|$inputs|$(($(date +%s) / drift))"
    if [ "$key" != "$last" ]; then
      if psql -X -q -f "$dir/reconcile.sql"; then
        touch "$ready"
        if psql -X -q -f "$dir/check.sql"; then
          last=$key
          echo "$(date -u +%FT%TZ) reconciled (server started $started)"
        else
          echo "$(date -u +%FT%TZ) ERROR: reconcile check failed (above); retrying in ${retry} s" >&2
          pause=$retry
        fi
      else
        echo "$(date -u +%FT%TZ) ERROR: reconcile failed (above); retrying in ${retry} s" >&2
        pause=$retry
      fi
    fi
  fi
  sleep "$pause"
done
