/**
 * v8: index only the units that have a lot. Testers and AOI name serials, not lots, so
 * most units are first seen without one; indexing their NULLs cost every new unit a
 * B-tree insert nobody reads (`lot_id = ?` never matches NULL, and SQLite uses a
 * `lot_id IS NOT NULL` partial index for it).
 */
export const sql = `
DROP INDEX units_lot;
CREATE INDEX units_lot ON units (lot_id) WHERE lot_id IS NOT NULL;
`;
