// Higher-level steps: a logged-in user with an open socket, and the "server still serves" check.
import { expect } from 'vitest';
import { issueTicket, loginAs, type Session } from './http.js';
import { ofType } from './messages.js';
import type { Target } from 'test-support/sample-process';
import { DEMO_USERS, type DemoUserName } from 'test-support/demo-users';
import {
  expectOpened,
  openSocket,
  presentTicket,
  refusalStatus,
  type Frame,
  type OpenResult,
  type TicketTransport,
  type WsClient,
} from 'test-support/ws-client';

export interface ConnectOptions {
  /** Reuse this session instead of logging in again. */
  readonly session?: Session;
  readonly via?: TicketTransport;
  /** Origin for both the ticket request and the upgrade. */
  readonly origin?: string;
}

export interface Connected {
  readonly session: Session;
  readonly client: WsClient;
  readonly welcome: Frame;
}

/** Logs in (unless given a session), fetches a ticket, opens /ws and waits for the welcome. */
export async function connect(
  target: Target,
  user: DemoUserName,
  options: ConnectOptions = {},
): Promise<Connected> {
  const session = options.session ?? (await loginAs(target, user));
  const ticketOptions = options.origin === undefined ? {} : { origin: options.origin };
  const ticket = await issueTicket(target, session, ticketOptions);
  const result = await openSocket(target, { ...presentTicket(ticket, options.via), ...ticketOptions });
  const client = expectOpened(result);
  const welcome = await client.next(ofType('welcome'));
  return { session, client, welcome };
}

/** Shorthand for `connect(...)` when only the socket matters. */
export async function connectAs(
  target: Target,
  user: DemoUserName,
  options: ConnectOptions = {},
): Promise<WsClient> {
  return (await connect(target, user, options)).client;
}

/** Asserts the socket answers `whoami` with the given user's identity. */
export async function expectWhoami(client: WsClient, user: DemoUserName): Promise<void> {
  const frame = await client.exchange({ type: 'whoami' }, ofType('whoami'));
  expect(frame.message).toEqual({
    type: 'whoami',
    user: DEMO_USERS[user].id,
    roles: [...DEMO_USERS[user].roles],
  });
}

/** After an attack: a fresh login + ticket + socket still gets a welcome and answers whoami. */
export async function expectServerStillServes(target: Target): Promise<void> {
  const { client, welcome } = await connect(target, 'bob');
  expect(welcome.message).toEqual({ type: 'welcome', user: 'bob', roles: ['member'] });
  await expectWhoami(client, 'bob');
  client.close();
}

/** Asserts the upgrade was refused with `status` and that the refusal does not echo the ticket. */
export function expectRefused(result: OpenResult, status: number, ticket?: string): void {
  expect(refusalStatus(result)).toBe(status);
  if (result.kind === 'refused' && ticket !== undefined && ticket !== '') {
    expect(result.body.includes(ticket), 'the refusal body echoes the ticket').toBe(false);
  }
}
