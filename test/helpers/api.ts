/** HTTP helpers for API tests: tokens for roles, and inject() with a bearer token. */
import type { Gateway } from '../../src/gateway.js';
import type { Role } from '../../src/access/roles.js';

export async function tokenFor(
  gw: Gateway,
  roles: Role[],
  opts: { plants?: string[]; families?: string[]; user?: string } = {},
): Promise<string> {
  return gw.command((r) => {
    const at = new Date().toISOString();
    if (opts.user && !gw.access.user(opts.user))
      gw.access.addUser({ username: opts.user, displayName: opts.user, roles }, at);
    void r;
    return gw.access.createToken(
      {
        name: `test-${roles.join('-')}`,
        roles,
        plants: opts.plants,
        families: opts.families,
        username: opts.user,
      },
      at,
    ).token;
  });
}

export function client(gw: Gateway, token?: string) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  return {
    get: (url: string) => gw.http.inject({ method: 'GET', url, headers }),
    post: (url: string, body: unknown, contentType = 'application/json') =>
      gw.http.inject({
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': contentType },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
}
