#!/usr/bin/env bash
# The backup sidecar (src/constructs/postgres/backup.ts): creates the stanza, checks that WAL
# archiving works, then takes a full backup whenever the newest is older than the interval, and
# records the newest one's end for postgres_exporter (backup-status.sql).
# The server is reached as PGHOST/PGPORT/PGUSER say; the rest comes from the container's env:
#   CDC8S_BACKUP_STANZA        pgBackRest's stanza
#   CDC8S_READY_FILE           touched once the stanza exists and archiving worked (readiness)
#   CDC8S_FULL_EVERY_SECONDS   the longest the newest full backup may age
#   CDC8S_POLL_SECONDS         between looks at the newest full backup, and before a retry
set -uo pipefail
stanza=${CDC8S_BACKUP_STANZA:?}
ready=${CDC8S_READY_FILE:?}
every=${CDC8S_FULL_EVERY_SECONDS:?}
poll=${CDC8S_POLL_SECONDS:?}
setup_retry=60
status_sql="$(dirname "$0")/backup-status.sql"
recorded=""

until pgbackrest --stanza="$stanza" stanza-create && pgbackrest --stanza="$stanza" check; do
  echo "$(date -u +%FT%TZ) ERROR: stanza-create or check failed (above); retrying in ${setup_retry} s" >&2
  sleep "$setup_retry"
done
touch "$ready"
while true; do
  if info=$(pgbackrest --stanza="$stanza" --output=json info); then
    # The newest full backup's end, read with PostgreSQL's JSON functions (the image has no jq).
    last=$(psql -X -At -v info="$info" <<< "SELECT coalesce(max((b->'timestamp'->>'stop')::bigint), 0) FROM json_array_elements((:'info')::json->0->'backup') b WHERE b->>'type' = 'full' AND NOT coalesce((b->>'error')::boolean, false)")
    if [ -n "$last" ] && [ "$last" != 0 ] && [ "$last" != "$recorded" ]; then
      if psql -X -q -v stanza="$stanza" -v stop="$last" -f "$status_sql"; then
        recorded=$last
      else
        echo "$(date -u +%FT%TZ) ERROR: recording the newest full backup failed (above); retrying in ${poll} s" >&2
      fi
    fi
    if [ -n "$last" ] && (($(date +%s) - last >= every)); then
      if pgbackrest --stanza="$stanza" --type=full backup; then
        echo "$(date -u +%FT%TZ) full backup done"
        # Read the new backup's end and record it now, not a poll later.
        continue
      else
        echo "$(date -u +%FT%TZ) ERROR: full backup failed (above); retrying in ${poll} s" >&2
      fi
    fi
  else
    echo "$(date -u +%FT%TZ) ERROR: pgbackrest info failed (above); retrying in ${poll} s" >&2
  fi
  sleep "$poll"
done
