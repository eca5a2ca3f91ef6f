#!/usr/bin/env bash
# Rendered by cdc8s for environment minikube: change environments/minikube.yaml, not this file.
# Sourced by the image's entrypoint on first start, after initdb and before the server listens:
# the reconcile (mounted from its ConfigMap, not part of the image) creates the roles, database,
# grants and publication, so no client ever sees a half-made database. It reads the passwords
# itself: they never appear on a command line.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres --file=/etc/cdc8s/reconcile/reconcile.sql
