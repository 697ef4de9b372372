/**
 * v4: disposition decisions with their slices, approval tasks and approvals,
 * electronic signatures bound to a record hash, rework requests.
 */
export const sql = `
CREATE TABLE dispositions (
  id            TEXT PRIMARY KEY,
  hold_id       TEXT NOT NULL REFERENCES holds (id),
  state         TEXT NOT NULL CHECK (state IN ('DRAFT','SUBMITTED','APPROVED','REJECTED','WITHDRAWN','EXECUTED')),
  route_id      TEXT,
  rationale     TEXT,
  created_by    TEXT NOT NULL,
  submitted_by  TEXT,
  revision      INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  submitted_at  TEXT,
  decided_at    TEXT,
  executed_at   TEXT
) STRICT;
CREATE INDEX dispositions_hold ON dispositions (hold_id);

CREATE TABLE disposition_slices (
  id             INTEGER PRIMARY KEY,
  disposition_id TEXT NOT NULL REFERENCES dispositions (id),
  line_id        INTEGER NOT NULL REFERENCES hold_lines (id),
  action         TEXT NOT NULL,
  quantity       REAL NOT NULL,
  serials        TEXT,
  deviation_ref  TEXT,
  reason_code    TEXT,
  result_line_id INTEGER REFERENCES hold_lines (id)
) STRICT;
CREATE INDEX disposition_slices_disposition ON disposition_slices (disposition_id);

CREATE TABLE approval_tasks (
  id              INTEGER PRIMARY KEY,
  disposition_id  TEXT NOT NULL REFERENCES dispositions (id),
  step            INTEGER NOT NULL,
  role            TEXT NOT NULL,
  quorum          INTEGER NOT NULL,
  -- The step's SLA, kept so the deadline can be set when the step opens.
  sla_hours       REAL,
  due_at          TEXT,
  escalation_role TEXT,
  state           TEXT NOT NULL CHECK (state IN ('WAITING','PENDING','APPROVED','REJECTED','ESCALATED','CANCELLED')),
  created_at      TEXT NOT NULL,
  ended_at        TEXT
) STRICT;
CREATE INDEX approval_tasks_due ON approval_tasks (state, due_at);
CREATE INDEX approval_tasks_disposition ON approval_tasks (disposition_id, step);

CREATE TABLE approvals (
  task_id      INTEGER NOT NULL REFERENCES approval_tasks (id),
  username     TEXT NOT NULL,
  signature_id TEXT NOT NULL,
  at           TEXT NOT NULL,
  PRIMARY KEY (task_id, username)
) STRICT;

-- 21 CFR Part 11 style: who, printed name, meaning, why, when, how re-authenticated,
-- and the hash of the exact record signed.
CREATE TABLE signatures (
  id           TEXT PRIMARY KEY,
  signer       TEXT NOT NULL,
  printed_name TEXT NOT NULL,
  meaning      TEXT NOT NULL CHECK (meaning IN ('AUTHORED','REVIEWED','APPROVED','RELEASED','VERIFIED')),
  reason       TEXT NOT NULL,
  at           TEXT NOT NULL,
  record_type  TEXT NOT NULL,
  record_id    TEXT NOT NULL,
  record_hash  TEXT NOT NULL,
  auth_method  TEXT NOT NULL CHECK (auth_method IN ('PASSWORD','BADGE_PIN'))
) STRICT;
CREATE INDEX signatures_record ON signatures (record_type, record_id);

CREATE TABLE rework_requests (
  id             INTEGER PRIMARY KEY,
  disposition_id TEXT NOT NULL REFERENCES dispositions (id),
  hold_id        TEXT NOT NULL,
  line_id        INTEGER NOT NULL REFERENCES hold_lines (id),
  action         TEXT NOT NULL CHECK (action IN ('REWORK','REPAIR')),
  quantity       REAL NOT NULL,
  serials        TEXT,
  defect_codes   TEXT NOT NULL DEFAULT '[]',
  state          TEXT NOT NULL DEFAULT 'OPEN',
  created_at     TEXT NOT NULL
) STRICT;
`;
