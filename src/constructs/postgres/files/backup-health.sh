#!/usr/bin/env bash
# The backup sidecar's liveness probe. It fails while WAL archiving is stuck or the newest good
# backup is older than the schedule allows: the kubelet then restarts the sidecar (restarts and
# CrashLoopBackOff are what a cluster's alerts watch), and the restarted loop tries again at once.
#
# Usage: health.sh <stanza> <archive bound, seconds> <backup bound, seconds>
# The server is reached as PGHOST, PGPORT and PGUSER say (the container's environment).
set -uo pipefail

stanza=$1
archive_bound=$2
backup_bound=$3

# WAL archiving: how long the oldest completed segment has waited for archive_command, and what
# the archiver last reported. Without a server there is nothing to archive: its own probes judge it.
if ! archiver=$(psql -X -At -F ' ' -c "
    SELECT coalesce((SELECT extract(epoch FROM now() - min(modification))::bigint
                       FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'), 0),
           failed_count, coalesce(last_failed_wal, '-'), coalesce(last_failed_time::text, '-')
      FROM pg_stat_archiver"); then
  echo "the server does not answer; WAL archiving not judged" >&2
  exit 0
fi
read -r waiting failed last_failed_wal last_failed_time <<< "$archiver"
if (( waiting > archive_bound )); then
  echo "WAL archiving is stuck: the oldest segment has waited ${waiting} s (bound ${archive_bound} s);" \
    "archive_command failed ${failed} times, last for ${last_failed_wal} at ${last_failed_time}" >&2
  exit 1
fi

# Backups: the age of the newest good one (pgBackRest's own record), unless one is running now.
if ! info=$(pgbackrest --stanza="$stanza" --output=json info); then
  echo "pgbackrest info failed (above)" >&2
  exit 1
fi
read -r age running <<< "$(psql -X -At -F ' ' -v info="$info" <<'SQL'
SELECT (SELECT coalesce(extract(epoch FROM now())::bigint - max((b->'timestamp'->>'stop')::bigint), -1)
          FROM json_array_elements((:'info')::json->0->'backup') b
         WHERE NOT coalesce((b->>'error')::boolean, false)),
       coalesce((:'info')::json->0->'status'->'lock'->'backup'->>'held', 'false')
SQL
)"
if [ "$running" = true ]; then
  exit 0
fi
if (( age < 0 )); then
  echo "no good backup in the repository, and none running" >&2
  exit 1
fi
if (( age > backup_bound )); then
  echo "the newest good backup is ${age} s old (bound ${backup_bound} s), and none is running" >&2
  exit 1
fi
exit 0
