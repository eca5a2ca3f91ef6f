#!/usr/bin/env bash
# The database container's entrypoint. On the first start of an empty data directory it runs
# initdb, then the reconcile with the server listening on its Unix socket only, so no client ever
# sees a half-made database; then, and on every later start, the container's command (the server).
#
# Environment: PGDATA (the data directory), POSTGRES_PASSWORD_FILE (the superuser's password, a
# mounted Secret), CDC8S_FIRST_START_SQL (the reconcile, a mounted ConfigMap). PGHOST and PGPORT,
# when set, say where the server's socket is (default: /var/run/postgresql, 5432).
set -Eeuo pipefail

: "${PGDATA:?PGDATA must name the data directory}"

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD_FILE:?POSTGRES_PASSWORD_FILE must name the superuser password file}"
  : "${CDC8S_FIRST_START_SQL:?CDC8S_FIRST_START_SQL must name the reconcile to run first}"
  # The builtin C.UTF-8 collation (PostgreSQL 17) sorts by code point: no index depends on the C
  # library's locale data, so a new base image never calls for a REINDEX.
  initdb --pgdata="$PGDATA" --username=postgres --pwfile="$POSTGRES_PASSWORD_FILE" \
    --auth-local=peer --auth-host=scram-sha-256 --data-checksums \
    --encoding=UTF8 --locale-provider=builtin --builtin-locale=C.UTF-8
  # The command's own settings, then: no TCP listener, and no archiving before the backup sidecar
  # has created the stanza (archive-push would fail on every segment until then).
  options="$(printf '%q ' "${@:2}") -c listen_addresses='' -c archive_mode=off"
  pg_ctl --pgdata="$PGDATA" --options="$options" --wait --timeout=300 --silent start
  psql --no-psqlrc --set=ON_ERROR_STOP=1 --username=postgres --dbname=postgres --file="$CDC8S_FIRST_START_SQL"
  pg_ctl --pgdata="$PGDATA" --mode=fast --wait --timeout=300 --silent stop
fi

exec "$@"
