-- Sign-ins to the web console: a session holds a personal API token for a while, without the
-- browser keeping the token itself (its cookie is a random secret stored here as SHA-256 only).
-- Kept in the ledger database so that every API replica knows every session, and a sign-out ends
-- it everywhere. Not audit data: the runtime role may insert and end sessions (ledger/runtime-role.ts).
CREATE TABLE console_sessions (
  sha256 text PRIMARY KEY,
  token_name text NOT NULL REFERENCES api_tokens (name),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  ended_at timestamptz
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);
