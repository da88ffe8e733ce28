-- Overrides and shift swaps taken at run time (`klaxon oncall override|swap`): the live roster
-- that open incidents read at their next page, kept here rather than in a policy file so that
-- taking one needs no edit and no restart. A row is never deleted: cancelling sets
-- cancelled_at, and each change is also an audit event in the ledger's chains.
--
-- Grants for production: the API takes and cancels overrides; the worker reads them.
--   GRANT SELECT, INSERT, UPDATE ON oncall_overrides TO klaxon_app;
CREATE TABLE oncall_overrides (
  id            text        PRIMARY KEY,
  policy        text        NOT NULL,
  schedule      text        NOT NULL,
  responder     text        NOT NULL,
  replaces      text,
  from_at       timestamptz NOT NULL,
  to_at         timestamptz NOT NULL CHECK (to_at > from_at),
  reason        text        NOT NULL,
  created_by    text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  cancelled_at  timestamptz,
  cancelled_by  text
);
CREATE INDEX oncall_overrides_live ON oncall_overrides (policy, schedule, to_at) WHERE cancelled_at IS NULL;
