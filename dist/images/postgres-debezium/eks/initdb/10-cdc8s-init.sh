#!/usr/bin/env bash
# Rendered by cdc8s for environment eks: change environments/eks.yaml, not this file.
# Sourced by the image's entrypoint on first start, after initdb.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
  --set=app_password="$(< /etc/cdc8s/secrets/app/password)" \
  --set=debezium_password="$(< /etc/cdc8s/secrets/debezium/password)" \
  --file=/usr/local/share/cdc8s/init.sql
