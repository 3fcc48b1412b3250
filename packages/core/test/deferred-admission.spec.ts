import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  createWsGate,
  deferAdmission,
  interceptUpgrades,
  MemoryTicketStore,
  writeHttpRefusal,
  type AdmittedUpgrade,
  type RefusalMode,
  type ServedWebSocket,
} from '../src/index.js';
import { listenOnLoopback } from './loopback.js';

// The upgrade of an adapter whose framework decides in an HTTP hook and whose WebSocket library
// opens the socket afterwards (Fastify's onRequest, then @fastify/websocket), on real sockets.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(refusal: RefusalMode = 'http') {
  const gate = createWsGate({
    tickets: { store: new MemoryTicketStore() },
    origins: { allow: 'https://app.example.com' },
    refusal,
  });
  cleanups.push(() => gate.tickets.close());
  const server: Server = createServer();
  const interception = interceptUpgrades(server, gate, () => undefined);
  cleanups.push(() => interception.stop());
  const admission = deferAdmission(gate, interception);
  const wss = new WebSocketServer({ noServer: true, handleProtocols: admission.selectProtocol });
  cleanups.push(() => void wss.close());
  const events: string[] = [];
  const requests: IncomingMessage[] = [];
  const opened: (AdmittedUpgrade | undefined)[] = [];
  interception.relay.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    requests.push(request);
    // The hook decides before any socket exists; the library then upgrades and calls the handler.
    void admission.authorize(request).then((refused) => {
      if (refused !== undefined) events.push(`${refused.audit.event} ${refused.kind}`);
      if (refused?.kind === 'http') {
        writeHttpRefusal(socket, refused.status, refused.body, refused.headers);
        return;
      }
      wss.handleUpgrade(request, socket, head, (client) => {
        interception.upgraded(request);
        const upgrade = admission.open(request, client, { report: (event) => events.push(event.event) });
        opened.push(upgrade);
        if (upgrade !== undefined)
          client.send(`welcome ${upgrade.admitted.principal.subject} ${String(upgrade.acceptance.clientIp)}`);
      });
    });
  });
  const url = `ws://127.0.0.1:${await listenOnLoopback(server, cleanups)}/ws`;
  return { gate, url, events, requests, opened, admission };
}

function client(url: string, protocols?: string[]): WebSocket {
  const socket = new WebSocket(url, protocols);
  cleanups.push(() => void socket.terminate());
  socket.on('error', () => undefined);
  return socket;
}

/** A socket that records what it is told to do (for a request whose decision is gone). */
function recordingSocket() {
  return { close: vi.fn(), terminate: vi.fn() } as unknown as ServedWebSocket & {
    close: ReturnType<typeof vi.fn>;
    terminate: ReturnType<typeof vi.fn>;
  };
}

describe('deferAdmission', () => {
  it('admits an accepted upgrade once its socket exists, with the subprotocol the ticket asked for', async () => {
    const { gate, url, events, requests, admission } = await serve();
    const { ticket } = await gate.tickets.issue({ subject: 'alice', ip: '127.0.0.1' });
    // The ticket's own subprotocol is selected, not the first one offered.
    const socket = client(url, ['chat.v1', 'wsgate', `wsgate.ticket.${ticket}`]);
    const [welcome] = (await once(socket, 'message')) as [Buffer];
    expect(welcome.toString()).toBe('welcome alice 127.0.0.1');
    expect(socket.protocol).toBe('wsgate');
    expect(gate.registry.size).toBe(1);
    expect(events).toEqual(['wsgate.upgrade_accepted']);

    // The decision was used once: nothing of it is left for a second socket of that request.
    const second = recordingSocket();
    expect(admission.open(requests[0] as IncomingMessage, second, { report: () => undefined })).toBe(
      undefined,
    );
    expect(second.terminate).toHaveBeenCalledTimes(1);
    expect(gate.registry.size).toBe(1);

    socket.close(1000);
    await once(socket, 'close');
    await vi.waitFor(() => expect(gate.registry.size).toBe(0));
  });

  it("closes a refused upgrade's socket with the refusal's code in close-frame mode, admitting nothing", async () => {
    const { gate, url, events, opened } = await serve('close-frame');
    const socket = client(url);
    const [code, reason] = (await once(socket, 'close')) as [number, Buffer];
    expect(code).toBe(4401);
    expect(reason.toString()).toBe('TICKET_MISSING');
    expect(opened).toEqual([undefined]);
    expect(events).toEqual(['wsgate.upgrade_refused close']);
    expect(gate.registry.size).toBe(0);
  });

  it('hands an HTTP refusal to the adapter and keeps nothing for a socket', async () => {
    const { gate, url, events, requests, admission } = await serve('http');
    const socket = client(url);
    const [, response] = (await once(socket, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(response.statusCode).toBe(401);
    expect(events).toEqual(['wsgate.upgrade_refused http']);
    // A socket for that request anyway (never expected): failed closed.
    const stray = recordingSocket();
    expect(admission.open(requests[0] as IncomingMessage, stray, { report: () => undefined })).toBe(
      undefined,
    );
    expect(stray.terminate).toHaveBeenCalledTimes(1);
    expect(stray.close).not.toHaveBeenCalled();
    expect(gate.registry.size).toBe(0);
  });

  it('refuses a ticket used twice: the decision is made per request, at the hook', async () => {
    const { gate, url, events } = await serve();
    const { ticket } = await gate.tickets.issue({ subject: 'bob', ip: '127.0.0.1' });
    const first = client(`${url}?ticket=${ticket}`);
    await once(first, 'message');
    const replay = client(`${url}?ticket=${ticket}`);
    const [, response] = (await once(replay, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(response.statusCode).toBe(401);
    expect(events).toEqual(['wsgate.upgrade_accepted', 'wsgate.upgrade_refused http']);
    expect(gate.registry.size).toBe(1);
  });
});
