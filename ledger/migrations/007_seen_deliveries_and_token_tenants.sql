-- Deliveries the API took from senders that sign (Klaxon's own webhooks, Sentry, Vercel,
-- PagerDuty), each remembered for a while after Temporal accepted it, so the same signed
-- bytes sent again are refused as a replay, also after the incident they opened was resolved
-- and on another API replica. Not audit data: outside the hash chains, and rows are swept
-- once they expire.
--
-- Grants for production: the API remembers and sweeps.
--   GRANT SELECT, INSERT, UPDATE, DELETE ON seen_deliveries TO klaxon_app;
CREATE TABLE seen_deliveries (
  id          text        PRIMARY KEY,
  seen_at     timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX seen_deliveries_expiry ON seen_deliveries (expires_at);

-- A token may be bound to tenants: it then sees, lists, exports and changes only their
-- incidents. NULL is a token of every tenant (as every token before this migration).
ALTER TABLE api_tokens ADD COLUMN tenants text[];
