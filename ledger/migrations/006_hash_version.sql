-- Which way an event's hash was computed (ledger/hash.ts). Events written before this
-- migration hashed the chained fields without recorded_at (version 1) and keep verifying
-- under it; new events hash every stored field (version 2). A version-1 event after a
-- version-2 one in the global chain is itself a sign of tampering, and verify says so.
ALTER TABLE ledger_events ADD COLUMN hash_version smallint NOT NULL DEFAULT 1;
