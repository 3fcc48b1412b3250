// The demo users and a constant-time password check (SHA-256 digests compared with timingSafeEqual).
import { createHash, timingSafeEqual } from 'node:crypto';

export interface DemoUser {
  readonly id: string;
  readonly roles: readonly string[];
}

interface StoredUser extends DemoUser {
  readonly passwordDigest: Buffer;
}

const MAX_FIELD_LENGTH = 1_024;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

const USERS: ReadonlyMap<string, StoredUser> = new Map(
  [
    { id: 'alice', password: 'alice-password', roles: ['admin'] },
    { id: 'bob', password: 'bob-password', roles: ['member'] },
  ].map(({ id, password, roles }) => [
    id,
    Object.freeze({ id, roles: Object.freeze([...roles]), passwordDigest: digest(password) }),
  ]),
);

/** Compared against when the user is unknown, so that both cases cost the same. */
const DUMMY_DIGEST = digest('no such user: constant-time comparison filler');

/** The user whose credentials these are, or `undefined`. Anything but two short strings is refused. */
export function verifyCredentials(username: unknown, password: unknown): DemoUser | undefined {
  if (typeof username !== 'string' || typeof password !== 'string') return undefined;
  if (username.length > MAX_FIELD_LENGTH || password.length > MAX_FIELD_LENGTH) return undefined;
  const user = USERS.get(username);
  const matches = timingSafeEqual(digest(password), user?.passwordDigest ?? DUMMY_DIGEST);
  return matches && user !== undefined ? { id: user.id, roles: user.roles } : undefined;
}
