-- Bearer tokens of the compliance REST API. Only a SHA-256 of each token is kept: the token
-- itself is shown once, when it is created. Revoking sets revoked_at; rows are never deleted,
-- so the audit of reads can always name the token that read.
--
-- Grants for production: the API reads tokens; only an operator's role creates and revokes.
--   GRANT SELECT ON api_tokens TO klaxon_app;

CREATE TABLE api_tokens (
  name        text        PRIMARY KEY,
  sha256      text        NOT NULL UNIQUE,
  scopes      text[]      NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
