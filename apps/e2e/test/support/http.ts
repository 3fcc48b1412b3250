// HTTP helpers for the demo protocol: login → session cookie, ticket requests, logout.
import { sessionIdOf } from 'demo-kit';
import { DEMO_USERS, type DemoUserName } from 'test-support/demo-users';
import { request, type HttpResponse, type RequestOptions } from 'test-support/http-request';
import { isRecord } from 'test-support/json';
import type { Target } from 'test-support/sample-process';

export { request, type HttpResponse, type RequestOptions } from 'test-support/http-request';

export interface SetCookie {
  readonly name: string;
  readonly value: string;
  /** Attribute names lower-cased; flag attributes (HttpOnly, Secure) map to `true`. */
  readonly attributes: ReadonlyMap<string, string | true>;
}

export function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...rest] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string | true>();
  for (const part of rest) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const at = trimmed.indexOf('=');
    if (at === -1) attributes.set(trimmed.toLowerCase(), true);
    else attributes.set(trimmed.slice(0, at).trim().toLowerCase(), trimmed.slice(at + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

/** The `sid` cookie set by a response, if any. */
export function sidCookie(response: HttpResponse): SetCookie | undefined {
  return response.setCookies.map(parseSetCookie).find((cookie) => cookie.name === 'sid');
}

export interface Session {
  readonly user: DemoUserName;
  /** Value of the `sid` cookie. */
  readonly sid: string;
  /** `Cookie` request header carrying the session: `sid=<value>`. */
  readonly cookie: string;
}

/**
 * Remembers a session as log secrets of `target`: the `sid` cookie value (also percent-decoded)
 * and the session id the samples derive from it (demo-kit's `sessionIdOf`, the key of the
 * session in stores, tickets and revocations), which no log line may hold either.
 */
export function rememberSession(target: Pick<Target, 'remember'>, sid: string): void {
  target.remember(sid, 'session id');
  target.remember(sessionIdOf(sid), 'session id');
  try {
    target.remember(decodeURIComponent(sid), 'session id');
  } catch {
    // not percent-encoded: the raw value is enough
  }
}

export interface LoginOptions {
  /** A `Cookie` header to send along (e.g. an existing session, to test session fixation). */
  readonly cookie?: string;
  /** Extra headers; a `content-type` here replaces `application/json`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Local loopback address to send from (each address has its own login rate limit). */
  readonly localAddress?: string;
}

/** `POST /login` with a raw body; remembers any issued session id as a log secret. */
export async function postLogin(
  target: Target,
  body: string,
  options: LoginOptions = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.cookie !== undefined) headers['cookie'] = options.cookie;
  const requestOptions: RequestOptions =
    options.localAddress === undefined
      ? { headers, body }
      : { headers, body, localAddress: options.localAddress };
  const response = await request(target, 'POST', '/login', requestOptions);
  const sid = sidCookie(response);
  if (sid !== undefined && sid.value !== '') rememberSession(target, sid.value);
  return response;
}

/** `POST /login` with a JSON body. */
export function login(target: Target, body: unknown, options: LoginOptions = {}): Promise<HttpResponse> {
  return postLogin(target, JSON.stringify(body), options);
}

/** Logs a demo user in and returns the new session; throws if the login is refused. */
export async function loginAs(
  target: Target,
  user: DemoUserName,
  options: LoginOptions = {},
): Promise<Session> {
  const response = await login(target, { username: user, password: DEMO_USERS[user].password }, options);
  const sid = sidCookie(response);
  if (response.status !== 200 || sid === undefined || sid.value === '') {
    throw new Error(`login as ${user} failed: ${response.status} ${response.text}`);
  }
  return { user, sid: sid.value, cookie: `sid=${sid.value}` };
}

export interface TicketRequestOptions {
  /** `Origin` header to send; none by default (a non-browser client). */
  readonly origin?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly localAddress?: string;
  /** A request body (the protocol's clients send none). */
  readonly body?: string;
}

/** `POST /ws-ticket` (no body unless given); remembers any issued ticket as a log secret. */
export async function requestTicket(
  target: Target,
  cookie: string | undefined,
  options: TicketRequestOptions = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (cookie !== undefined) headers['cookie'] = cookie;
  if (options.origin !== undefined) headers['origin'] = options.origin;
  const requestOptions: RequestOptions = {
    headers,
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    ...(options.body === undefined ? {} : { body: options.body }),
  };
  const response = await request(target, 'POST', '/ws-ticket', requestOptions);
  if (
    isRecord(response.json) &&
    typeof response.json['ticket'] === 'string' &&
    response.json['ticket'] !== ''
  ) {
    target.remember(response.json['ticket'], 'ticket');
  }
  return response;
}

/** Requests a ticket for a session and returns it; throws unless the answer is 200 with a ticket. */
export async function issueTicket(
  target: Target,
  session: Session,
  options: TicketRequestOptions = {},
): Promise<string> {
  const response = await requestTicket(target, session.cookie, options);
  const ticket = isRecord(response.json) ? response.json['ticket'] : undefined;
  if (response.status !== 200 || typeof ticket !== 'string') {
    throw new Error(`POST /ws-ticket for ${session.user} failed: ${response.status} ${response.text}`);
  }
  return ticket;
}

/** `POST /logout` (no body). */
export function logout(target: Target, cookie: string | undefined): Promise<HttpResponse> {
  return request(target, 'POST', '/logout', cookie === undefined ? {} : { headers: { cookie } });
}
