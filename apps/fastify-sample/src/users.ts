import { createHash, timingSafeEqual } from 'node:crypto';

/** A demo user. */
export interface DemoUser {
  readonly id: string;
  readonly roles: readonly string[];
}

const digest = (value: string) => createHash('sha256').update(value).digest();

const USERS: ReadonlyMap<string, { readonly user: DemoUser; readonly passwordDigest: Buffer }> = new Map([
  ['alice', { user: { id: 'alice', roles: ['admin'] }, passwordDigest: digest('alice-password') }],
  ['bob', { user: { id: 'bob', roles: ['member'] }, passwordDigest: digest('bob-password') }],
]);
const UNKNOWN_USER_DIGEST = digest('no such user');

/** Checks demo credentials in constant time (also for unknown users). */
export function verifyCredentials(username: unknown, password: unknown): DemoUser | undefined {
  if (typeof username !== 'string' || typeof password !== 'string') return undefined;
  const entry = USERS.get(username);
  const matches = timingSafeEqual(digest(password), entry?.passwordDigest ?? UNKNOWN_USER_DIGEST);
  return entry !== undefined && matches ? entry.user : undefined;
}
