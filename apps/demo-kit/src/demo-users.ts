// The demo users and a constant-time password check (SHA-256 digests compared with timingSafeEqual).
import { createHash, timingSafeEqual } from 'node:crypto';

/** A demo user: what a session, a ticket and the `welcome` frame carry. */
export interface DemoUser {
  /** The user id (`user`, `from` in frames). */
  readonly id: string;
  readonly roles: readonly string[];
}

/** Longest username or password looked at; anything longer is refused without hashing it. */
export const MAX_CREDENTIAL_LENGTH = 1_024;

interface StoredUser extends DemoUser {
  readonly passwordDigest: Buffer;
}

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
const UNKNOWN_USER_DIGEST = digest('no such user: constant-time comparison filler');

/**
 * The user whose credentials these are, or `undefined`: a wrong password and an unknown user
 * cost the same and look the same. Anything but two strings of at most
 * {@link MAX_CREDENTIAL_LENGTH} characters is refused.
 */
export function verifyCredentials(username: unknown, password: unknown): DemoUser | undefined {
  if (typeof username !== 'string' || typeof password !== 'string') return undefined;
  if (username.length > MAX_CREDENTIAL_LENGTH || password.length > MAX_CREDENTIAL_LENGTH) return undefined;
  const user = USERS.get(username);
  const matches = timingSafeEqual(digest(password), user?.passwordDigest ?? UNKNOWN_USER_DIGEST);
  return matches && user !== undefined ? { id: user.id, roles: user.roles } : undefined;
}
