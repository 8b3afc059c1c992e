// Who is asking: HTTP Basic credentials checked against liveOps.users in constant time.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { LiveOpsConfig, LiveOpsUser } from './coaching-config';

export interface AuthenticatedUser {
  readonly name: string;
  readonly user: LiveOpsUser;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Undefined for a missing, malformed or wrong credential, without saying which (no user
 * enumeration). Both sides are hashed first so the comparison takes the same time whatever
 * the lengths, and an unknown user costs the same as a wrong password.
 */
export function authenticate(config: LiveOpsConfig, authorization: string | undefined): AuthenticatedUser | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const name = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const user = Object.prototype.hasOwnProperty.call(config.users, name) ? config.users[name] : undefined;
  const expected = digest(user?.password ?? '\0no such user\0');
  const ok = timingSafeEqual(expected, digest(password));
  return ok && user !== undefined ? { name, user } : undefined;
}
