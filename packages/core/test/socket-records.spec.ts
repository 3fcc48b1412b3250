import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  createWsGate,
  eventEnvelope,
  handleUpgrade,
  MemoryTicketStore,
  MESSAGE_ERRORS,
  principalOf,
  recordSocket,
  reportSocketRefusal,
  sendSocketError,
  type AuditEvent,
  typeEnvelope,
  type MessageRouter,
} from '../src/index.js';
import { listenOnLoopback } from './loopback.js';

// What an adapter leaves on a socket it admitted, read by code that holds only the socket (a
// framework's guards and exception filters): through real sockets on loopback.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server whose upgrades core admits with `openWebSocket` (routed in `{ type }` unless `routed` is false). */
async function serve(routed: boolean) {
  const gate = createWsGate({
    tickets: { store: new MemoryTicketStore() },
    origins: { allow: 'https://app.example.com' },
  });
  cleanups.push(() => gate.tickets.close());
  const router: MessageRouter<undefined> | undefined = routed
    ? gate.createRouter({}, typeEnvelope)
    : undefined;
  const wss = new WebSocketServer({ noServer: true });
  cleanups.push(() => void wss.close());
  const admitted: WebSocket[] = [];
  const reports: AuditEvent[] = [];
  const server = createServer();
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    handleUpgrade(gate, wss, request, socket, head, {
      accepted: (client, acceptance) => {
        gate.openWebSocket(acceptance, client, { report: (event) => reports.push(event), router });
        admitted.push(client);
        client.send('ready');
      },
      report: () => undefined,
      protocols: new WeakMap(),
    }),
  );
  const port = await listenOnLoopback(server, cleanups);
  const { ticket } = await gate.tickets.issue({
    subject: 'alice',
    ip: '127.0.0.1',
    claims: { roles: ['a'] },
  });
  const client = new WebSocket(`ws://127.0.0.1:${port}/ws?ticket=${ticket}`);
  cleanups.push(() => void client.terminate());
  const received: string[] = [];
  const ready = once(client, 'message');
  await ready;
  client.on('message', (data: Buffer) => received.push(data.toString()));
  const socket = admitted[0];
  if (socket === undefined) throw new Error('no socket admitted');
  return { socket, client, received, reports };
}

async function nextMessage(received: string[], count: number): Promise<string | undefined> {
  for (let attempt = 0; attempt < 200 && received.length < count; attempt += 1)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return received[count - 1];
}

describe('socket records', () => {
  it('an admitted ws socket carries its principal and gets errors in its router envelope', async () => {
    const { socket, client, received } = await serve(true);
    expect(principalOf(socket)).toMatchObject({ subject: 'alice', claims: { roles: ['a'] } });
    // The record is not an enumerable or writable property of the socket.
    expect(Object.keys(socket).some((key) => key.includes('record'))).toBe(false);
    expect(() => recordSocket(socket, { principal: principalOf(socket) as never })).toThrow(TypeError);
    // The router's envelope wins over a fallback codec.
    sendSocketError(socket, MESSAGE_ERRORS.forbidden, { codec: eventEnvelope });
    expect(JSON.parse((await nextMessage(received, 1)) ?? '')).toEqual({
      type: 'error',
      code: 'FORBIDDEN',
      message: 'forbidden',
    });
    client.close();
    await once(socket, 'close');
    // A closed socket gets nothing, and nothing throws.
    sendSocketError(socket, MESSAGE_ERRORS.internal);
    expect(principalOf(socket)?.subject).toBe('alice');
  });

  it('a socket admitted without a router has its principal and no error channel', async () => {
    const { socket, received } = await serve(false);
    expect(principalOf(socket)?.subject).toBe('alice');
    sendSocketError(socket, MESSAGE_ERRORS.forbidden, { codec: eventEnvelope });
    // Frames arrive in order: an error frame would come before this one.
    socket.send('after');
    expect(await nextMessage(received, 1)).toBe('after');
    expect(received).toEqual(['after']);
  });

  it.each([
    ['with a router', true],
    ['without a router', false],
  ])(
    'reports a refusal decided outside the router (%s) as the router reports its own',
    async (_name, routed) => {
      const { socket, reports } = await serve(routed);
      reportSocketRefusal(socket, MESSAGE_ERRORS.forbidden);
      expect(reports.filter((event) => event.event === 'wsgate.message_refused')).toEqual([
        expect.objectContaining({ fields: expect.objectContaining({ code: 'FORBIDDEN', subject: 'alice' }) }),
      ]);
      // Any other value: nothing reported, nothing thrown.
      for (const value of [undefined, null, 'text', {}, { readyState: 1, send: () => undefined }])
        reportSocketRefusal(value, MESSAGE_ERRORS.forbidden);
      expect(reports.filter((event) => event.event === 'wsgate.message_refused')).toHaveLength(1);
    },
  );

  it('reads a record written under the registered key (another copy of core)', () => {
    const socket = {};
    const principal = { subject: 'bob', sessionId: undefined, claims: {}, issuedAt: 0 };
    const errors: unknown[] = [];
    Object.defineProperty(socket, Symbol.for('@wsgate/core:socket-record'), {
      value: { principal, sendError: (error: unknown, ack: unknown) => errors.push([error, ack]) },
    });
    const ack = () => undefined;
    expect(principalOf(socket)).toBe(principal);
    sendSocketError(socket, MESSAGE_ERRORS.forbidden, { ack });
    expect(errors).toEqual([[MESSAGE_ERRORS.forbidden, ack]]);
  });

  it('sends to an open ws-like socket no adapter admitted only in a given envelope', () => {
    const sent: string[] = [];
    const open = { readyState: 1, send: (data: string) => sent.push(data) };
    sendSocketError(open, MESSAGE_ERRORS.forbidden);
    sendSocketError(open, MESSAGE_ERRORS.forbidden, { codec: eventEnvelope });
    sendSocketError({ readyState: 3, send: () => sent.push('closed!') }, MESSAGE_ERRORS.internal, {
      codec: eventEnvelope,
    });
    for (const value of [undefined, null, 'text', 1, {}]) {
      expect(principalOf(value)).toBeUndefined();
      sendSocketError(value, MESSAGE_ERRORS.internal, { codec: eventEnvelope });
    }
    expect(sent.map((text) => JSON.parse(text) as unknown)).toEqual([
      { event: 'exception', data: { code: 'FORBIDDEN', message: 'forbidden' } },
    ]);
  });
});
