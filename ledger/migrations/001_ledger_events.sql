-- The audit ledger: one append-only table of events, each hash-chained to the previous
-- event of its incident, so an edit anywhere breaks every later hash.
--
-- Grants for production (the runtime role may only add and read):
--   CREATE ROLE klaxon_app LOGIN;
--   GRANT USAGE ON SCHEMA <schema> TO klaxon_app;
--   GRANT SELECT, INSERT ON ledger_events TO klaxon_app;
--   GRANT USAGE ON SEQUENCE ledger_events_id_seq TO klaxon_app;
-- Migrations run as the schema owner; the triggers below hold even for the owner.

CREATE TABLE ledger_events (
  id           bigserial   PRIMARY KEY,
  incident_id  text        NOT NULL,
  seq          integer     NOT NULL CHECK (seq >= 1),
  -- Derived from the workflow id and the step, so a retried activity writes nothing twice.
  step_key     text        NOT NULL UNIQUE,
  kind         text        NOT NULL,
  occurred_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  actor        jsonb       NOT NULL,
  payload      jsonb       NOT NULL,
  prev_hash    text        NOT NULL,
  hash         text        NOT NULL,
  UNIQUE (incident_id, seq)
);

CREATE FUNCTION ledger_events_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER ledger_events_no_update_or_delete
  BEFORE UPDATE OR DELETE ON ledger_events
  FOR EACH ROW EXECUTE FUNCTION ledger_events_reject_change();

CREATE TRIGGER ledger_events_no_truncate
  BEFORE TRUNCATE ON ledger_events
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_events_reject_change();
