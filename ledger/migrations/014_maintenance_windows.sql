-- Maintenance windows (`klaxon maintenance start|end|list`): while one is live, the alerts of
-- its scope (a tenant, optionally one source and one service) are accepted and recorded but page
-- nobody. A row is never deleted: ending sets ended_at and ended_by. Opening, every alert held
-- back or paged anyway (a SEV1 with personal data), and the end are audit events in the chain
-- `maintenance-<tenant>`; `held` and `bypassed` count them for the list.
--
-- Grants for production: the API opens windows and counts what they hold; the worker ends them.
--   GRANT SELECT, INSERT, UPDATE ON maintenance_windows TO klaxon_app;
CREATE TABLE maintenance_windows (
  id                        text        PRIMARY KEY,
  tenant                    text        NOT NULL,
  source                    text,
  service                   text,
  from_at                   timestamptz NOT NULL,
  until_at                  timestamptz CHECK (until_at IS NULL OR until_at > from_at),
  open_ended                text,
  reason                    text        NOT NULL,
  allow_sev1_personal_data  boolean     NOT NULL DEFAULT false,
  created_by                text        NOT NULL,
  created_at                timestamptz NOT NULL DEFAULT now(),
  held                      integer     NOT NULL DEFAULT 0,
  bypassed                  integer     NOT NULL DEFAULT 0,
  ended_at                  timestamptz,
  ended_by                  text,
  -- Endless only when asked for, with the reason.
  CHECK (until_at IS NOT NULL OR open_ended IS NOT NULL)
);
CREATE INDEX maintenance_windows_live ON maintenance_windows (tenant) WHERE ended_at IS NULL;
