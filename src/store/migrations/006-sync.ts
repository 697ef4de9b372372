/**
 * v6: per-target delivery state of outbox rows. A row is delivered to every sync target
 * that takes its type; each target keeps its own state, attempts and exceptions.
 */
export const sql = `
CREATE TABLE sync_deliveries (
  target           TEXT NOT NULL,
  seq              INTEGER NOT NULL REFERENCES outbox (seq),
  ordering_key     TEXT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'QUEUED' CHECK (state IN ('QUEUED','ACKED','DEAD','RESOLVED')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TEXT,
  last_error       TEXT,
  -- A person's corrected payload for an exception ("edit and retry"); null = the outbox payload.
  payload_override TEXT,
  acked_at         TEXT,
  PRIMARY KEY (target, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX sync_deliveries_open ON sync_deliveries (target, state, seq);
-- Finds where live rows begin (replay gives them precedence over a backlog).
CREATE INDEX outbox_created ON outbox (created_at);
-- "Is there an earlier open row of this key?" is two range seeks with state in the index.
CREATE INDEX sync_deliveries_key ON sync_deliveries (target, ordering_key, state, seq);
`;
