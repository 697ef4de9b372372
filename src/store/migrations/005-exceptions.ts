/** v5: approved exceptions — signed, time-limited permissions for one operation on held material. */
export const sql = `
CREATE TABLE approved_exceptions (
  id             TEXT PRIMARY KEY,
  kind           TEXT NOT NULL CHECK (kind IN ('DEVIATION','CONCESSION')),
  operation      TEXT NOT NULL,
  subject_kind   TEXT NOT NULL CHECK (subject_kind IN ('serial','lot')),
  subject        TEXT NOT NULL,
  hold_id        TEXT,
  quantity_limit REAL,
  used           REAL NOT NULL DEFAULT 0,
  customer       TEXT,
  reference      TEXT NOT NULL,
  reason         TEXT NOT NULL,
  expires_at     TEXT NOT NULL,
  state          TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE','USED_UP','REVOKED')),
  signature_id   TEXT NOT NULL,
  created_by     TEXT NOT NULL,
  created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX approved_exceptions_subject ON approved_exceptions (subject, operation, state);
`;
