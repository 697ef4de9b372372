/**
 * v9: a classified event may join the hold its rule already placed on the same material
 * (outcome ATTACHED) instead of opening another one; decisions are looked up by hold to
 * list the events behind a hold. SQLite cannot change a CHECK: the table is rebuilt.
 */
export const sql = `
CREATE TABLE decisions_v9 (
  id            INTEGER PRIMARY KEY,
  event_seq     INTEGER NOT NULL,
  outcome       TEXT NOT NULL CHECK (outcome IN ('HOLD','ATTACHED','NO_ACTION','NO_RULE')),
  rule_id       TEXT,
  rule_version  INTEGER,
  rule_set_hash TEXT,
  severity      TEXT,
  hold_id       TEXT,
  at            TEXT NOT NULL
) STRICT;
INSERT INTO decisions_v9 SELECT id, event_seq, outcome, rule_id, rule_version, rule_set_hash, severity, hold_id, at
  FROM decisions;
DROP TABLE decisions;
ALTER TABLE decisions_v9 RENAME TO decisions;
CREATE INDEX decisions_event ON decisions (event_seq);
CREATE INDEX decisions_hold ON decisions (hold_id) WHERE hold_id IS NOT NULL;
`;
