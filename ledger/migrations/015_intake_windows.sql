-- The alert-coalescing windows of all API replicas together: before it signals a batch to an
-- incident, a replica reserves the key's next window here (at least one window after the last
-- one reserved) and signals when it opens, so a storm spread over many replicas is signalled at
-- most once per window in all, as by one replica alone (client/alert-intake.ts). Times are the
-- database's clock, one clock for every replica. Not audit data: outside the hash chains, and
-- rows of quiet keys are swept after a minute.
--
-- Grants for production: the API reserves and sweeps.
--   GRANT SELECT, INSERT, UPDATE, DELETE ON intake_windows TO klaxon_app;
CREATE TABLE intake_windows (
  incident_key  text        PRIMARY KEY,
  opens_at      timestamptz NOT NULL
);
CREATE INDEX intake_windows_opens_at ON intake_windows (opens_at);
