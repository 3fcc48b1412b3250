// The Socket.IO sample for the black-box suite: its process (with the `ws` suites' lifecycle and
// log checks), logged-in users with a connected socket, and the shape every error must have.
import { DEMO_USERS, type DemoUserName } from 'test-support/demo-users';
import type { Target } from 'test-support/sample-process';
import {
  connectIo,
  disconnectAllIoClients,
  expectConnected,
  type IoClient,
} from 'test-support/socket-io-client';
import { afterAll, afterEach, expect } from 'vitest';
import { issueTicket, loginAs, type Session } from '../support/http.js';

export { itKeepsSecretsOutOfLogs, useRedisCluster, useSample } from '../support/lifecycle.js';

/** The sample this directory's specs run against. */
export const SOCKET_IO_SAMPLE = 'nestjs-socketio-sample';

/** Disconnects the Socket.IO clients of each test (the `ws` lifecycle terminates the `ws` ones). */
export function disconnectIoClientsAfterEach(): void {
  afterEach(disconnectAllIoClients);
  afterAll(disconnectAllIoClients);
}

export interface ConnectedIo {
  readonly session: Session;
  readonly client: IoClient;
  readonly welcome: unknown;
}

export interface IoConnectAsOptions {
  readonly session?: Session;
  /** Origin for both the ticket request and the handshake. */
  readonly origin?: string;
}

/** Logs in (unless given a session), fetches a ticket, connects and waits for the welcome. */
export async function connectIoAs(
  target: Target,
  user: DemoUserName,
  options: IoConnectAsOptions = {},
): Promise<ConnectedIo> {
  const session = options.session ?? (await loginAs(target, user));
  const origin = options.origin === undefined ? {} : { origin: options.origin };
  const ticket = await issueTicket(target, session, origin);
  const client = expectConnected(await connectIo(target, { ticket, ...origin }));
  const welcome = await client.next('welcome');
  return { session, client, welcome };
}

/** Asserts the socket answers `whoami` with the user's identity. */
export async function expectIoWhoami(client: IoClient, user: DemoUserName): Promise<void> {
  expect(await client.ack('whoami')).toEqual({
    ok: true,
    user: DEMO_USERS[user].id,
    roles: [...DEMO_USERS[user].roles],
  });
}

/** After an attack: a fresh login, ticket and connection still get a welcome and answer whoami. */
export async function expectIoStillServes(target: Target): Promise<void> {
  const { client, welcome } = await connectIoAs(target, 'bob');
  expect(welcome).toEqual({ user: 'bob', roles: ['member'] });
  await expectIoWhoami(client, 'bob');
  client.close();
}

const ERROR_KEYS = ['code', 'message', 'issues'];
const STACK_TRACE = /\bat [^"\s]+ \(|(?:\.[cm]?[jt]s|node:internal[^"]*):\d+:\d+/;

/**
 * Asserts `error` is an error object with `code` and nothing else: keys exactly code, message
 * (+ issues, an array), no stack trace, and none of `mustNotContain` (client input).
 */
export function expectIoError(error: unknown, code: string, mustNotContain: readonly string[] = []): void {
  expect(error).toMatchObject({ code, message: expect.any(String) });
  const keys = Object.keys(error as object);
  expect(
    keys.filter((key) => !ERROR_KEYS.includes(key)),
    'unexpected keys in an error',
  ).toEqual([]);
  const issues = (error as { issues?: unknown }).issues;
  if (issues !== undefined) expect(Array.isArray(issues), 'issues must be an array').toBe(true);
  const raw = JSON.stringify(error);
  expect(raw).not.toMatch(STACK_TRACE);
  for (const input of mustNotContain)
    expect(raw.includes(input), `the error echoes client input ${JSON.stringify(input.slice(0, 40))}`).toBe(
      false,
    );
}

/** Asserts an acknowledgement refused the event with `code` (see {@link expectIoError}). */
export function expectAckError(answer: unknown, code: string, mustNotContain: readonly string[] = []): void {
  expect(answer).toMatchObject({ ok: false });
  expect(Object.keys(answer as object).sort()).toEqual(['error', 'ok']);
  expectIoError((answer as { error: unknown }).error, code, mustNotContain);
}
