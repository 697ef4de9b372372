/**
 * v7: differences between what an ERP shows and what Holdgate's acknowledged transactions
 * say it should show (e.g. someone moved stock out of the hold location in the ERP).
 * Never applied silently: a person accepts them, or they clear when the ERP matches again.
 */
export const sql = `
CREATE TABLE erp_conflicts (
  id           INTEGER PRIMARY KEY,
  target       TEXT NOT NULL,
  lot_id       TEXT NOT NULL,
  kind         TEXT NOT NULL,
  expected     REAL NOT NULL,
  found        REAL NOT NULL,
  state        TEXT NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN','CLEARED','ACCEPTED')),
  detected_at  TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  closed_at    TEXT,
  closed_by    TEXT,
  note         TEXT,
  -- found - expected when a person accepted the ERP's figure: the new baseline for that lot.
  adjustment   REAL NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX erp_conflicts_open ON erp_conflicts (target, lot_id, kind) WHERE state = 'OPEN';
CREATE INDEX erp_conflicts_lot ON erp_conflicts (target, lot_id, state);
`;
