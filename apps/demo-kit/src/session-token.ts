// The session cookie: a random token only the browser holds. The server keeps sessions under a
// one-way id derived from it, so a logout can name the session (and close its sockets on this
// instance) without asking the session store.
import { createHash, randomBytes } from 'node:crypto';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'sid';

/** A session token: 32 random bytes as base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const SESSION_ID_DOMAIN = 'demo-kit session id\0';

/** Attributes of the session cookie: `HttpOnly`, `SameSite=Strict`, `Path=/`, `Secure` with TLS. */
export interface SessionCookieOptions {
  readonly httpOnly: true;
  readonly sameSite: 'strict';
  readonly path: '/';
  readonly secure: boolean;
}

/** A fresh session token (the cookie value): 32 random bytes, base64url (43 characters). */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The session id of a token: SHA-256 of the token (domain-separated), base64url. It names the
 * session in stores, tickets and revocations; it cannot be turned back into the token, so it
 * cannot log anyone in.
 */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(SESSION_ID_DOMAIN).update(token).digest('base64url');
}

/** The session token in a cookie value, if it is well-formed (anything else is no session). */
export function readSessionToken(value: unknown): string | undefined {
  return typeof value === 'string' && TOKEN_PATTERN.test(value) ? value : undefined;
}

/** The session cookie's attributes (`Secure` when the sample serves TLS). */
export function sessionCookieOptions(secure: boolean): SessionCookieOptions {
  return Object.freeze({ httpOnly: true, sameSite: 'strict', path: '/', secure });
}
