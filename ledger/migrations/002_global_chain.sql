-- A second chain across every incident: each event also links to the event appended just
-- before it, whatever its incident. Removing all of one incident's events (by someone able to
-- bypass the triggers) leaves that incident's own chain looking whole by its absence; the
-- global chain breaks at the gap. Events appended before this migration carry no global link
-- (NULL) and are checked by their incident chains only.
ALTER TABLE ledger_events
  ADD COLUMN global_seq bigint UNIQUE,
  ADD COLUMN global_prev_hash text,
  ADD COLUMN global_hash text;
