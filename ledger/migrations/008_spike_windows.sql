-- Status-spike windows of the Vercel detectors, shared by every API replica: the line ids
-- counted in each window (a line redelivered by Vercel, or taken by another replica, inserts
-- nothing) and each window's count, whose row lock orders the replicas so exactly one of them
-- sees the window reach its threshold. Not audit data: outside the hash chains; a window and
-- its lines are purged together once it expires (SPIKE_MEMORY_SECONDS after its last hit).
--
-- Grants for production: the API counts and purges.
--   GRANT SELECT, INSERT, UPDATE, DELETE ON spike_windows, spike_window_lines TO klaxon_app;
CREATE TABLE spike_windows (
  detector      text        NOT NULL,
  project       text        NOT NULL,
  window_start  bigint      NOT NULL,
  lines         integer     NOT NULL,
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (detector, project, window_start)
);
CREATE INDEX spike_windows_expiry ON spike_windows (expires_at);

CREATE TABLE spike_window_lines (
  detector      text   NOT NULL,
  project       text   NOT NULL,
  window_start  bigint NOT NULL,
  line_id       text   NOT NULL,
  PRIMARY KEY (detector, project, window_start, line_id)
);
