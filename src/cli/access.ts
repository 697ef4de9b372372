/**
 * `holdgate users add` and `holdgate tokens create|revoke`: people and API tokens in
 * the store (works while the daemon runs). Secrets come from stdin, never argv, so
 * they stay out of shell history and `ps`.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { openStore } from '../store/db.js';
import { AccessRepo } from '../store/access-repo.js';
import { AuditLog } from '../store/audit-log.js';
import { hashPassword } from '../ingest/mqtt/credentials.js';
import { ROLES, type Role } from '../access/roles.js';
import { printConfigError } from './output.js';

const list = (s: string | undefined) =>
  s
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : [];

async function stdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
}

function rolesOf(s: string | undefined): Role[] | string {
  const roles = list(s);
  if (roles.length === 0) return `--roles: give at least one of ${ROLES.join(', ')}`;
  const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  return bad.length
    ? `--roles: ${bad.join(', ')} is not a role (one of ${ROLES.join(', ')})`
    : (roles as Role[]);
}

function storePath(values: { config?: string; store?: string }): string | number {
  if (values.store) return values.store;
  const file = values.config ?? process.env.HOLDGATE_CONFIG ?? '/etc/holdgate/holdgate.yaml';
  try {
    return loadConfig({ file }).store.path;
  } catch (err) {
    return printConfigError(err, file);
  }
}

const common = {
  config: { type: 'string' as const },
  store: { type: 'string' as const },
  roles: { type: 'string' as const },
  plants: { type: 'string' as const },
  families: { type: 'string' as const },
};

export async function accessCommand(what: 'users' | 'tokens', argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...common,
      name: { type: 'string' },
      user: { type: 'string' },
      expires: { type: 'string' },
      badge: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      'pin-stdin': { type: 'boolean', default: false },
    },
  });
  const [sub, arg] = positionals;
  const path = storePath(values);
  if (typeof path === 'number') return path;
  const at = new Date().toISOString();
  const { db } = openStore({ path });
  try {
    const access = new AccessRepo(db);
    const audit = new AuditLog(db);
    const actor = { type: 'user' as const, id: `cli:${process.env.SUDO_USER ?? process.env.USER ?? 'root'}` };
    if (what === 'users' && sub === 'add') {
      if (!arg)
        return usage(
          'holdgate users add USERNAME --name "Full Name" --roles r1,r2 [--plants P] [--families F] [--password-stdin] [--badge B --pin-stdin]',
        );
      const roles = rolesOf(values.roles);
      if (typeof roles === 'string') return usage(roles);
      const lines = values['password-stdin'] || values['pin-stdin'] ? await stdinLines() : [];
      const password = values['password-stdin'] ? lines.shift() : undefined;
      const pin = values['pin-stdin'] ? lines.shift() : undefined;
      if (password !== undefined && password.length < 8)
        return usage('the password must have at least 8 characters');
      if (pin !== undefined && !/^\d{4,12}$/.test(pin)) return usage('the PIN must be 4 to 12 digits');
      if (pin !== undefined && !values.badge) return usage('--pin-stdin needs --badge');
      const u = {
        username: arg,
        displayName: values.name ?? arg,
        passwordHash: password ? await hashPassword(password) : undefined,
        badge: values.badge,
        pinHash: pin ? await hashPassword(pin) : undefined,
        roles,
        plants: list(values.plants),
        families: list(values.families),
      };
      db.transaction(() => {
        access.addUser(u, at);
        audit.append({
          at,
          actor,
          source: 'cli',
          action: 'USER_ADDED',
          entityType: 'user',
          entityId: arg,
          after: { roles, plants: u.plants, families: u.families, badge: Boolean(u.badge) },
        });
      }).immediate();
      console.log(`user ${arg} added (roles: ${roles.join(', ')})`);
      return 0;
    }
    if (what === 'tokens' && sub === 'create') {
      if (!values.name)
        return usage(
          'holdgate tokens create --name NAME (--roles r1,r2 | --user USERNAME) [--plants P] [--families F] [--expires ISO]',
        );
      let roles: Role[] | string;
      let plants = list(values.plants);
      let families = list(values.families);
      if (values.user) {
        const user = access.user(values.user);
        if (!user) return usage(`--user: ${values.user} does not exist (holdgate users add first)`);
        roles = values.roles ? rolesOf(values.roles) : (JSON.parse(user.roles) as Role[]);
        // A person's token never reaches further than the person: it inherits their scope.
        if (plants.length === 0) plants = JSON.parse(user.plants) as string[];
        if (families.length === 0) families = JSON.parse(user.families) as string[];
      } else roles = rolesOf(values.roles);
      if (typeof roles === 'string') return usage(roles);
      const t = db
        .transaction(() => {
          const created = access.createToken(
            {
              name: values.name!,
              username: values.user,
              roles: roles,
              plants,
              families,
              expiresAt: values.expires,
            },
            at,
          );
          audit.append({
            at,
            actor,
            source: 'cli',
            action: 'TOKEN_CREATED',
            entityType: 'api_token',
            entityId: created.id,
            after: { name: values.name, user: values.user, roles },
          });
          return created;
        })
        .immediate();
      console.error(`token ${t.id} created for ${values.name}; it is shown once, store it now:`);
      console.log(t.token);
      return 0;
    }
    if (what === 'tokens' && sub === 'revoke' && arg) {
      const ok = db
        .transaction(() => {
          const done = access.revokeToken(arg, at);
          if (done)
            audit.append({
              at,
              actor,
              source: 'cli',
              action: 'TOKEN_REVOKED',
              entityType: 'api_token',
              entityId: arg,
            });
          return done;
        })
        .immediate();
      console.log(ok ? `token ${arg} revoked` : `token ${arg} not found or already revoked`);
      return ok ? 0 : 1;
    }
    return usage('holdgate users add … | holdgate tokens create … | holdgate tokens revoke ID');
  } finally {
    db.close();
  }
}

function usage(msg: string): number {
  console.error(msg);
  return 2;
}
