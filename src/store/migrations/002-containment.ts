/**
 * v2: material and plant context, process history and genealogy, classification
 * decisions, holds and hold lines, the hash-chained audit log and the outbox.
 */
export const sql = `
CREATE TABLE items (
  part_number   TEXT PRIMARY KEY,
  gtin          TEXT,
  family        TEXT,
  tracking_mode TEXT NOT NULL DEFAULT 'SERIAL' CHECK (tracking_mode IN ('NONE','LOT','SERIAL','LOT_AND_SERIAL')),
  unit_cost     REAL NOT NULL DEFAULT 0,
  uom           TEXT NOT NULL DEFAULT 'EA',
  description   TEXT
) STRICT;

CREATE TABLE locations (
  id         TEXT PRIMARY KEY,
  plant      TEXT NOT NULL,
  area       TEXT,
  line       TEXT,
  station    TEXT,
  quarantine INTEGER NOT NULL DEFAULT 0
) STRICT;

-- A lot's line and first/last activity come from process events, so siblings can be found.
CREATE TABLE lots (
  lot_id        TEXT PRIMARY KEY,
  item          TEXT,
  quantity      REAL,
  uom           TEXT NOT NULL DEFAULT 'EA',
  parent_lot    TEXT,
  supplier_lot  TEXT,
  supplier      TEXT,
  plant         TEXT,
  line          TEXT,
  first_seen_at TEXT,
  last_seen_at  TEXT
) STRICT;
CREATE INDEX lots_item_line ON lots (item, line, last_seen_at);

CREATE TABLE work_orders (
  work_order TEXT PRIMARY KEY,
  item       TEXT,
  lot_id     TEXT,
  line       TEXT
) STRICT;

CREATE TABLE units (
  serial     TEXT PRIMARY KEY,
  item       TEXT,
  lot_id     TEXT,
  location   TEXT,
  lifecycle  TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (lifecycle IN ('ACTIVE','CONSUMED','SHIPPED','SCRAPPED')),
  created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX units_lot ON units (lot_id);

-- Each unit's process history: where and when it was worked on, and the result.
CREATE TABLE process_steps (
  id             INTEGER PRIMARY KEY,
  serial         TEXT NOT NULL,
  kind           TEXT NOT NULL,
  plant          TEXT,
  line           TEXT,
  station        TEXT,
  machine        TEXT,
  shift          TEXT,
  work_order     TEXT,
  transaction_id TEXT,
  at             TEXT NOT NULL,
  result         TEXT,
  event_seq      INTEGER NOT NULL
) STRICT;
CREATE INDEX process_steps_serial ON process_steps (serial, at);
CREATE INDEX process_steps_line ON process_steps (line, at);
CREATE INDEX process_steps_station ON process_steps (station, at);
-- Most stations report no machine: index only the rows that name one.
CREATE INDEX process_steps_machine ON process_steps (machine, at) WHERE machine IS NOT NULL;

-- Genealogy: which component lot went into which unit.
CREATE TABLE consumption (
  id             INTEGER PRIMARY KEY,
  serial         TEXT NOT NULL,
  component_lot  TEXT NOT NULL,
  component_item TEXT,
  quantity       REAL NOT NULL DEFAULT 1,
  at             TEXT NOT NULL
) STRICT;
CREATE INDEX consumption_component ON consumption (component_lot);
CREATE INDEX consumption_serial ON consumption (serial);

CREATE TABLE rule_sets (
  hash      TEXT PRIMARY KEY,
  version   INTEGER NOT NULL,
  loaded_at TEXT NOT NULL,
  body      TEXT NOT NULL
) STRICT;

-- One row per classified event: which rule (id@version, set hash) decided, or none.
CREATE TABLE decisions (
  id            INTEGER PRIMARY KEY,
  event_seq     INTEGER NOT NULL,
  outcome       TEXT NOT NULL CHECK (outcome IN ('HOLD','NO_ACTION','NO_RULE')),
  rule_id       TEXT,
  rule_version  INTEGER,
  rule_set_hash TEXT,
  severity      TEXT,
  hold_id       TEXT,
  at            TEXT NOT NULL
) STRICT;
CREATE INDEX decisions_event ON decisions (event_seq);

CREATE TABLE holds (
  id            TEXT PRIMARY KEY,
  type          TEXT NOT NULL,
  state         TEXT NOT NULL,
  severity      TEXT,
  reason        TEXT NOT NULL,
  plant         TEXT,
  product_family TEXT,
  scope_kind    TEXT NOT NULL,
  scope         TEXT NOT NULL,
  created_by    TEXT NOT NULL,
  rule_id       TEXT,
  rule_version  INTEGER,
  approval_route TEXT,
  notify_roles  TEXT NOT NULL DEFAULT '[]',
  event_seq     INTEGER,
  created_at    TEXT NOT NULL,
  closed_at     TEXT,
  void_reason   TEXT
) STRICT;

CREATE TABLE hold_lines (
  id             INTEGER PRIMARY KEY,
  hold_id        TEXT NOT NULL REFERENCES holds (id),
  lot_id         TEXT,
  quantity       REAL NOT NULL,
  uom            TEXT NOT NULL DEFAULT 'EA',
  has_serials    INTEGER NOT NULL DEFAULT 0,
  state          TEXT NOT NULL,
  parent_line_id INTEGER REFERENCES hold_lines (id),
  held_at        TEXT NOT NULL,
  ended_at       TEXT
) STRICT;
CREATE INDEX hold_lines_hold ON hold_lines (hold_id);
-- The interlock's lot lookups: lot, then whole-lot vs serial-set lines, then state.
CREATE INDEX hold_lines_lot ON hold_lines (lot_id, has_serials, state);

CREATE TABLE hold_line_serials (
  line_id INTEGER NOT NULL REFERENCES hold_lines (id),
  serial  TEXT NOT NULL,
  PRIMARY KEY (serial, line_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX hold_line_serials_line ON hold_line_serials (line_id);

CREATE TABLE interlock_refusals (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  subject   TEXT NOT NULL,
  kind      TEXT NOT NULL,
  operation TEXT NOT NULL,
  requester TEXT,
  holds     TEXT NOT NULL
) STRICT;

-- Append-only and hash-chained: each entry's hash covers its content and the previous hash.
CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  actor_type  TEXT NOT NULL,
  actor       TEXT NOT NULL,
  source      TEXT NOT NULL,
  action      TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id   TEXT NOT NULL,
  before      TEXT,
  after       TEXT,
  reason      TEXT,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
) STRICT;
CREATE INDEX audit_entity ON audit_log (entity_type, entity_id);

-- Written in the same transaction as the change the ERP must see. AUTOINCREMENT: a
-- sequence number (part of the idempotency key) is never reused, even after rows are pruned.
CREATE TABLE outbox (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  ordering_key    TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  type            TEXT NOT NULL,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'QUEUED',
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  last_error      TEXT
) STRICT;
CREATE INDEX outbox_state ON outbox (state, ordering_key, seq);
`;
