-- @klaxon/next: the app's audit trail of data access (withKlaxon / withKlaxonAction), one
-- append-only table. Each row says who (actor, tenant) read how many records through which
-- route, when, with which outcome, and what the guard found; never a record's values.
--
-- Safe to run again (migrateAuditStore runs it at start-up): everything is created if missing.
--
-- Least privilege: run this as the schema's owner; the app's runtime role may only add and read:
--   GRANT USAGE ON SCHEMA <schema> TO <app_role>;
--   GRANT SELECT, INSERT ON klaxon_data_access TO <app_role>;
--   GRANT USAGE ON SEQUENCE klaxon_data_access_id_seq TO <app_role>;
-- The triggers below refuse UPDATE, DELETE and TRUNCATE to every role, the owner included;
-- removing rows (retention) means dropping the triggers as the owner, on purpose and on record.

CREATE TABLE IF NOT EXISTS klaxon_data_access (
  id           bigserial   PRIMARY KEY,
  at           timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  app          text        NOT NULL CHECK (length(app) BETWEEN 1 AND 64),
  actor        text        NOT NULL CHECK (length(actor) BETWEEN 1 AND 256),
  tenant       text        NOT NULL CHECK (length(tenant) BETWEEN 1 AND 128),
  route        text        NOT NULL CHECK (length(route) BETWEEN 1 AND 512),
  method       text        NOT NULL CHECK (length(method) BETWEEN 1 AND 16),
  status       integer     NOT NULL CHECK (status BETWEEN 100 AND 599),
  -- NULL when the response was not JSON the guard could count (or was too large to read).
  records      integer     CHECK (records >= 0),
  request_id   text        NOT NULL CHECK (length(request_id) BETWEEN 1 AND 128),
  -- What the guard found in the response, and what it did about it (both empty/NULL: nothing found).
  findings     text[]      NOT NULL DEFAULT '{}' CHECK (findings <@ ARRAY['cross-tenant', 'sensitive-field']),
  action       text        CHECK (action IN ('blocked', 'reported')),
  CHECK ((cardinality(findings) = 0) = (action IS NULL))
);

CREATE INDEX IF NOT EXISTS klaxon_data_access_tenant_at ON klaxon_data_access (tenant, at);

CREATE OR REPLACE FUNCTION klaxon_data_access_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'klaxon_data_access is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE TRIGGER klaxon_data_access_no_update_or_delete
  BEFORE UPDATE OR DELETE ON klaxon_data_access
  FOR EACH ROW EXECUTE FUNCTION klaxon_data_access_reject_change();

CREATE OR REPLACE TRIGGER klaxon_data_access_no_truncate
  BEFORE TRUNCATE ON klaxon_data_access
  FOR EACH STATEMENT EXECUTE FUNCTION klaxon_data_access_reject_change();
