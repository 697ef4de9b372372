/**
 * Roles, permissions and scopes. Pure. A principal may act on a record only when one
 * of its roles grants the permission and the record's plant and product family are
 * inside the principal's scope (an empty scope list means every plant / family).
 */

export const ROLES = [
  'operator',
  'inspector',
  'quality_engineer',
  'supervisor',
  'mrb_member',
  'quality_manager',
  'plant_manager',
  'integration',
  'auditor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'hold.read',
  'hold.place',
  'hold.split',
  'hold.void',
  'material.read',
  'material.import',
  'order.read',
  'order.import',
  'interlock.check',
  'audit.read',
  'disposition.read',
  'disposition.propose',
  'disposition.approve',
  'exception.grant',
  'sync.read',
  'sync.operate',
  'user.admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = ['hold.read', 'material.read', 'order.read', 'disposition.read'];
const DECIDE: Permission[] = ['disposition.propose', 'disposition.approve'];
const QUALITY_ENGINEER: Permission[] = [
  ...READ,
  ...DECIDE,
  'interlock.check',
  'audit.read',
  'hold.place',
  'hold.split',
  'hold.void',
];

/** The role → permission table (README "Access control" prints it). */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  operator: ['hold.read', 'material.read', 'interlock.check'],
  inspector: ['hold.read', 'material.read', 'interlock.check', 'hold.place'],
  quality_engineer: QUALITY_ENGINEER,
  supervisor: [...READ, 'disposition.approve', 'interlock.check', 'hold.place'],
  mrb_member: [...READ, ...DECIDE, 'audit.read', 'hold.split'],
  quality_manager: [...QUALITY_ENGINEER, 'exception.grant', 'sync.read'],
  plant_manager: [...READ, 'disposition.approve', 'audit.read', 'sync.read'],
  integration: [...READ, 'interlock.check', 'material.import', 'order.import', 'sync.read', 'sync.operate'],
  auditor: [...READ, 'audit.read', 'sync.read'],
  admin: [...PERMISSIONS],
};

export interface Principal {
  kind: 'user' | 'token' | 'anonymous';
  /** Username, token id, or 'anonymous'. */
  id: string;
  /** The person behind a token, when it belongs to one. */
  username?: string;
  roles: readonly Role[];
  plants: readonly string[];
  families: readonly string[];
}

export interface RecordScope {
  plant?: string | null;
  family?: string | null;
}

export type AccessDecision =
  { ok: true } | { ok: false; code: 'HG_FORBIDDEN' | 'HG_OUT_OF_SCOPE'; reason: string };

export function authorize(p: Principal, permission: Permission, scope: RecordScope = {}): AccessDecision {
  if (!p.roles.some((r) => ROLE_PERMISSIONS[r].includes(permission)))
    return {
      ok: false,
      code: 'HG_FORBIDDEN',
      reason: `${p.kind} ${p.id} (roles: ${p.roles.join(', ') || 'none'}) lacks ${permission}`,
    };
  if (scope.plant && p.plants.length > 0 && !p.plants.includes(scope.plant))
    return {
      ok: false,
      code: 'HG_OUT_OF_SCOPE',
      reason: `plant ${scope.plant} is outside ${p.id}'s plants (${p.plants.join(', ')})`,
    };
  if (scope.family && p.families.length > 0 && !p.families.includes(scope.family))
    return {
      ok: false,
      code: 'HG_OUT_OF_SCOPE',
      reason: `product family ${scope.family} is outside ${p.id}'s families (${p.families.join(', ')})`,
    };
  return { ok: true };
}
