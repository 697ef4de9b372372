/**
 * E-signature re-authentication: at the moment of signing, the signer proves who they
 * are again (password, or badge + PIN), independent of the session's token.
 */
import { z } from 'zod';
import { ApiError } from './route.js';
import type { ApiDeps } from './deps.js';
import { verifyPassword } from '../ingest/mqtt/credentials.js';
import type { Principal, Role } from '../access/roles.js';
import type { Signer } from '../containment/dispositions.js';

export const signatureBody = z
  .strictObject({
    reason: z.string().trim().min(3, 'say what you sign and why (at least 3 characters)'),
    // The signer re-authenticates at the moment of signing: password, or badge + PIN.
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    badge: z.string().min(1).optional(),
    pin: z.string().min(1).optional(),
  })
  .refine((b) => b.password !== undefined || (b.badge !== undefined && b.pin !== undefined), {
    message: 'sign with your password, or with badge and PIN',
    path: ['password'],
  });

/** Re-authentication: the signer proves who they are now, not only by the session's token. */
export async function reauthenticate(
  deps: ApiDeps,
  principal: Principal,
  body: z.output<typeof signatureBody>,
): Promise<Signer> {
  let user;
  let method: Signer['authMethod'];
  if (body.badge !== undefined) {
    user = deps.access.userByBadge(body.badge);
    method = 'BADGE_PIN';
    if (!user?.pin_hash || !(await verifyPassword(body.pin!, user.pin_hash))) user = undefined;
  } else {
    const username = body.username ?? principal.username;
    if (!username)
      throw new ApiError(
        403,
        'HG_SIGNER_REQUIRED',
        'a signature needs a person: use a personal token or give username and password',
      );
    user = deps.access.user(username);
    method = 'PASSWORD';
    if (!user?.password_hash || !(await verifyPassword(body.password!, user.password_hash))) user = undefined;
  }
  if (!user || user.disabled)
    throw new ApiError(401, 'HG_REAUTH_FAILED', 're-authentication failed: wrong password, badge or PIN');
  if (principal.username && principal.username !== user.username)
    throw new ApiError(403, 'HG_SIGN_FOR_OTHER', `${principal.username} may not sign as ${user.username}`);
  return {
    username: user.username,
    printedName: user.display_name,
    roles: JSON.parse(user.roles) as Role[],
    authMethod: method,
  };
}
