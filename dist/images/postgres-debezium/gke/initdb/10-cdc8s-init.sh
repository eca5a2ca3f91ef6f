#!/usr/bin/env bash
# Rendered by cdc8s for environment gke: change environments/gke.yaml, not this file.
# Sourced by the image's entrypoint on first start, after initdb.
# init.sql reads the passwords itself: they never appear on a command line.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres --file=/usr/local/share/cdc8s/init.sql
