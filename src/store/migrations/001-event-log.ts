/** v1: store identity, the append-only event log and the dead-letter table. */
export const sql = `
CREATE TABLE store_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Every accepted QualityEvent, in commit order. (profile_id, source_event_id) is the
-- idempotency key: a redelivered or repeated message inserts nothing.
CREATE TABLE events (
  seq             INTEGER PRIMARY KEY,
  profile_id      TEXT NOT NULL,
  source_event_id TEXT NOT NULL,
  device_id       TEXT NOT NULL,
  transport       TEXT NOT NULL,
  topic           TEXT,
  kind            TEXT NOT NULL,
  result          TEXT NOT NULL,
  occurred_at     TEXT NOT NULL,
  received_at     TEXT NOT NULL,
  body            TEXT NOT NULL,
  raw             BLOB NOT NULL,
  UNIQUE (profile_id, source_event_id)
) STRICT;

-- The log is append-only: corrections are new events, never edits.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;

-- Input that could not be used, kept with its raw bytes so it can be inspected and replayed.
CREATE TABLE dead_letters (
  id          INTEGER PRIMARY KEY,
  received_at TEXT NOT NULL,
  transport   TEXT NOT NULL,
  source      TEXT NOT NULL,
  topic       TEXT,
  profile_id  TEXT,
  reason_code TEXT NOT NULL,
  reason      TEXT NOT NULL,
  raw         BLOB NOT NULL,
  raw_length  INTEGER NOT NULL
) STRICT;
CREATE INDEX dead_letters_reason ON dead_letters (reason_code, received_at);
`;
