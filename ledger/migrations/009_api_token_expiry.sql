-- A token may expire: from then on the API refuses it, saying when it expired. NULL is a token
-- that never expires (as every token before this migration).
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
