/**
 * Reads a dotted path (`a.b[0].c`) out of parsed JSON. Deliberately tiny: profiles
 * need field access, not JSONPath queries.
 */
export function readPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const token of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (cur === null || cur === undefined) return undefined;
    if (token.startsWith('[')) {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[Number(token.slice(1, -1))];
    } else {
      if (typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[token];
    }
  }
  return cur;
}
