/**
 * v3: people and API tokens with roles and scopes; customer orders, work orders and
 * supplier receipts (imported), the order impact of holds; outbox retry scheduling
 * (notifications are delivered from the outbox).
 */
export const sql = `
CREATE TABLE users (
  username      TEXT PRIMARY KEY,
  display_name  TEXT NOT NULL,
  password_hash TEXT,
  -- Badge + PIN re-authentication for e-signatures at a station.
  badge         TEXT UNIQUE,
  pin_hash      TEXT,
  roles         TEXT NOT NULL,
  plants        TEXT NOT NULL DEFAULT '[]',
  families      TEXT NOT NULL DEFAULT '[]',
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE api_tokens (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  -- SHA-256 of the secret part: tokens are 256-bit random, so a slow hash adds nothing.
  secret_hash TEXT NOT NULL,
  username   TEXT REFERENCES users (username),
  roles      TEXT NOT NULL,
  plants     TEXT NOT NULL DEFAULT '[]',
  families   TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
) STRICT;

CREATE TABLE customer_order_lines (
  order_id      TEXT NOT NULL,
  line_no       INTEGER NOT NULL,
  customer      TEXT NOT NULL,
  item          TEXT NOT NULL,
  quantity      REAL NOT NULL,
  promised_date TEXT,
  status        TEXT NOT NULL DEFAULT 'OPEN',
  PRIMARY KEY (order_id, line_no)
) STRICT;

CREATE TABLE order_allocations (
  id        INTEGER PRIMARY KEY,
  order_id  TEXT NOT NULL,
  line_no   INTEGER NOT NULL,
  lot_id    TEXT,
  serial    TEXT,
  quantity  REAL NOT NULL,
  -- Set while a hold keeps the allocated material from shipping; cleared at release.
  flagged_hold TEXT,
  UNIQUE (order_id, line_no, lot_id, serial)
) STRICT;
CREATE INDEX order_allocations_lot ON order_allocations (lot_id);
CREATE INDEX order_allocations_serial ON order_allocations (serial);

ALTER TABLE work_orders ADD COLUMN quantity REAL;
ALTER TABLE work_orders ADD COLUMN scheduled_start TEXT;
ALTER TABLE work_orders ADD COLUMN status TEXT NOT NULL DEFAULT 'PLANNED';

CREATE TABLE work_order_components (
  work_order    TEXT NOT NULL,
  component_lot TEXT NOT NULL,
  quantity      REAL NOT NULL,
  PRIMARY KEY (work_order, component_lot)
) STRICT;
CREATE INDEX work_order_components_lot ON work_order_components (component_lot);

CREATE TABLE supplier_receipts (
  receipt_id   TEXT PRIMARY KEY,
  supplier     TEXT NOT NULL,
  item         TEXT NOT NULL,
  lot_id       TEXT NOT NULL,
  supplier_lot TEXT,
  quantity     REAL NOT NULL,
  received_at  TEXT NOT NULL
) STRICT;
CREATE INDEX supplier_receipts_lot ON supplier_receipts (lot_id);

-- What a hold puts at risk, found when it is placed.
CREATE TABLE order_impacts (
  id            INTEGER PRIMARY KEY,
  hold_id       TEXT NOT NULL REFERENCES holds (id),
  line_id       INTEGER NOT NULL REFERENCES hold_lines (id),
  kind          TEXT NOT NULL CHECK (kind IN ('CUSTOMER_ORDER','WORK_ORDER','SUPPLIER_RECEIPT')),
  ref           TEXT NOT NULL,
  party         TEXT,
  item          TEXT,
  quantity      REAL,
  due           TEXT,
  detected_at   TEXT NOT NULL,
  resolved_at   TEXT
) STRICT;
CREATE INDEX order_impacts_hold ON order_impacts (hold_id);
CREATE INDEX order_impacts_open ON order_impacts (kind, resolved_at);

ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
CREATE INDEX outbox_due ON outbox (type, state, next_attempt_at);
`;
