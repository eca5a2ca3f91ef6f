-- Rendered by cdc8s for environment gke: change environments/gke.yaml, not this file.
-- Runs once, on an empty data directory, as the superuser. Passwords are read by psql itself from
-- the mounted Secrets (a backquoted command's output, trailing newline removed): none is written
-- here, and none passes through a command line, where any process could read it.
\set app_password `cat /etc/cdc8s/secrets/app/password`
\set debezium_password `cat /etc/cdc8s/secrets/debezium/password`

CREATE ROLE transactions_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_password';
-- Debezium: may stream WAL and read the captured tables, nothing more (no SUPERUSER).
CREATE ROLE debezium WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'debezium_password';

CREATE DATABASE transactions OWNER transactions_app;
REVOKE ALL ON DATABASE transactions FROM PUBLIC;
GRANT CONNECT ON DATABASE transactions TO transactions_app, debezium;

\connect transactions

-- Schema public: the application owns it and creates its tables (its migrations).
CREATE SCHEMA IF NOT EXISTS public AUTHORIZATION transactions_app;
ALTER SCHEMA public OWNER TO transactions_app;
GRANT USAGE ON SCHEMA public TO debezium;
-- Snapshots read every table the application creates here; nothing can be written.
ALTER DEFAULT PRIVILEGES FOR ROLE transactions_app IN SCHEMA public GRANT SELECT ON TABLES TO debezium;

-- The publication Debezium reads through (pgoutput). It is created here, by the superuser, so the
-- connector runs with publication.autocreate.mode=disabled and never needs to own the tables.
-- Tables do not exist yet (the API creates them), hence a schema-level publication; the
-- connector's table.include.list narrows it to: public.transactions, public.accounts.
CREATE PUBLICATION cdc8s_publication FOR TABLES IN SCHEMA public;
