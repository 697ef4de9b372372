/**
 * Users and API tokens. Passwords and PINs are scrypt hashes; a token is
 * `hgt_<id>.<secret>` and only the SHA-256 of its secret is stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { Principal, Role } from '../access/roles.js';

export interface UserRow {
  username: string;
  display_name: string;
  password_hash: string | null;
  badge: string | null;
  pin_hash: string | null;
  roles: string;
  plants: string;
  families: string;
  disabled: number;
  created_at: string;
}

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash?: string;
  badge?: string;
  pinHash?: string;
  roles: Role[];
  plants?: string[];
  families?: string[];
}

export interface NewToken {
  name: string;
  username?: string;
  roles: Role[];
  plants?: string[];
  families?: string[];
  expiresAt?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const TOKEN = /^hgt_([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

export class AccessRepo {
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insertUser:
        p(`INSERT INTO users (username, display_name, password_hash, badge, pin_hash, roles, plants, families, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      user: p('SELECT * FROM users WHERE username = ?'),
      byBadge: p('SELECT * FROM users WHERE badge = ?'),
      insertToken:
        p(`INSERT INTO api_tokens (id, name, secret_hash, username, roles, plants, families, created_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      token: p('SELECT * FROM api_tokens WHERE id = ?'),
      revoke: p('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    };
  }

  addUser(u: NewUser, at: string): void {
    this.s.insertUser!.run(
      u.username,
      u.displayName,
      u.passwordHash ?? null,
      u.badge ?? null,
      u.pinHash ?? null,
      JSON.stringify(u.roles),
      JSON.stringify(u.plants ?? []),
      JSON.stringify(u.families ?? []),
      at,
    );
  }

  user(username: string): UserRow | undefined {
    return this.s.user!.get(username) as UserRow | undefined;
  }

  userByBadge(badge: string): UserRow | undefined {
    return this.s.byBadge!.get(badge) as UserRow | undefined;
  }

  /** Creates a token and returns its full text: shown once, never stored. */
  createToken(t: NewToken, at: string): { id: string; token: string } {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    this.s.insertToken!.run(
      id,
      t.name,
      sha256(secret),
      t.username ?? null,
      JSON.stringify(t.roles),
      JSON.stringify(t.plants ?? []),
      JSON.stringify(t.families ?? []),
      at,
      t.expiresAt ?? null,
    );
    return { id, token: `hgt_${id}.${secret}` };
  }

  revokeToken(id: string, at: string): boolean {
    return this.s.revoke!.run(at, id).changes === 1;
  }

  /** The principal a bearer token stands for, or undefined (unknown, wrong, revoked, expired). */
  principalForToken(token: string, now: string): Principal | undefined {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const row = this.s.token!.get(m[1]) as
      | {
          id: string;
          secret_hash: string;
          username: string | null;
          roles: string;
          plants: string;
          families: string;
          expires_at: string | null;
          revoked_at: string | null;
        }
      | undefined;
    if (!row || row.revoked_at || (row.expires_at && row.expires_at <= now)) return undefined;
    const want = Buffer.from(row.secret_hash, 'hex');
    const got = Buffer.from(sha256(m[2]!), 'hex');
    if (!timingSafeEqual(want, got)) return undefined;
    if (row.username) {
      const user = this.user(row.username);
      if (!user || user.disabled) return undefined;
    }
    return {
      kind: 'token',
      id: row.id,
      username: row.username ?? undefined,
      roles: JSON.parse(row.roles) as Role[],
      plants: JSON.parse(row.plants) as string[],
      families: JSON.parse(row.families) as string[],
    };
  }
}
