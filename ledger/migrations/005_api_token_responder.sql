-- A token with the incidents:write scope acts as a named responder of the policy: the
-- incident's own rules (who may acknowledge, resolve) apply to it as to that person.
ALTER TABLE api_tokens ADD COLUMN responder text;
