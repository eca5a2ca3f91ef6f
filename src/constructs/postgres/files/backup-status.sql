-- Records the newest good full backup's end where postgres_exporter reads it (exporter-queries.yaml,
-- cdc8s_backup; the reconcile creates the table): the backup sidecar runs it as the superuser
-- whenever that time changes. Variables: stanza (pgBackRest's stanza), stop (its end, Unix time).
\set ON_ERROR_STOP on
INSERT INTO cdc8s_backup.status (stanza, last_full_stop) VALUES (:'stanza', to_timestamp(:'stop'::bigint))
  ON CONFLICT (stanza) DO UPDATE SET last_full_stop = excluded.last_full_stop;
