-- Temporal histories of closed incident runs, kept beyond the namespace's retention. The
-- binary protobuf of each run's history, its SHA-256 (also written to the ledger, so the
-- archive is covered by the hash chains), append-only like the ledger itself.
--
-- Grants for production (as for ledger_events):
--   GRANT SELECT, INSERT ON history_archives TO klaxon_app;

CREATE TABLE history_archives (
  run_id       text        PRIMARY KEY,
  incident_id  text        NOT NULL,
  status       text        NOT NULL,
  closed_at    timestamptz,
  event_count  integer     NOT NULL,
  sha256       text        NOT NULL,
  history      bytea       NOT NULL,
  archived_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX history_archives_incident ON history_archives (incident_id);

CREATE FUNCTION history_archives_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'history_archives is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER history_archives_no_update_or_delete
  BEFORE UPDATE OR DELETE ON history_archives
  FOR EACH ROW EXECUTE FUNCTION history_archives_reject_change();

CREATE TRIGGER history_archives_no_truncate
  BEFORE TRUNCATE ON history_archives
  FOR EACH STATEMENT EXECUTE FUNCTION history_archives_reject_change();
