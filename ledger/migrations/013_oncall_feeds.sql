-- Calendar feeds of on-call schedules (`klaxon oncall feed`): calendar apps cannot send headers,
-- so a feed's URL carries its secret. That secret is not an API token: it reads one schedule's
-- (or one person's) shifts and nothing else, and is stored here as SHA-256 only. Revoking sets
-- revoked_at. Not audit data: the runtime role mints, reads and revokes feeds (ledger/runtime-role.ts).
CREATE TABLE oncall_feeds (
  id          text        PRIMARY KEY,
  sha256      text        NOT NULL UNIQUE,
  policy      text        NOT NULL,
  schedule    text        NOT NULL,
  responder   text,
  created_by  text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
