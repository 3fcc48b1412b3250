// Every upgrade ends as a WebSocket or as a destroyed socket: pipelined behind another request,
// refused, stuck in a hook, or aborted. Real sockets; descriptor counts from /proc/self/fd.
import { readdirSync } from 'node:fs';
import { createConnection, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { ALLOWED_ORIGIN, buildTestApp, registerDefaultRoutes, requestTicket } from './support/app.js';

const SLOW = 60_000;
const EVENTUALLY = { timeout: 15_000, interval: 50 };
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

function upgradeRequest(path: string): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: x\r\nOrigin: ${ALLOWED_ORIGIN}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  );
}

/** Writes `payload` on one TCP connection, half-closes, and collects everything until the server closes. */
function exchange(app: FastifyInstance, payload: string, endAfterWrite = true): Promise<string> {
  const { port } = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      // A WebSocket that opened: the server will not close it by itself; the test does.
      if (received.includes('101 Switching Protocols')) socket.destroy();
    });
    socket.on('connect', () => {
      socket.write(payload);
      if (endAfterWrite) socket.end();
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** The status lines of every response on the connection (a body is not followed by a line break). */
function statusLines(response: string): string[] {
  return response.match(/HTTP\/1\.1 \d{3} [^\r]*/g) ?? [];
}

describe('an upgrade pipelined behind a plain request (fd exhaustion without a ticket)', () => {
  it(
    '1 000 of them leave the descriptor count where it was, and /healthz still answers',
    async () => {
      // The brute-force limit would answer 429 after 100 refusals from 127.0.0.1; not what is tested here.
      const app = await buildTestApp({ plugin: { bruteForce: false } });
      const before = openDescriptors();
      const pipelined = `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n${upgradeRequest('/ws')}`;
      for (let batch = 0; batch < 10; batch += 1) {
        const answers = await Promise.all(Array.from({ length: 100 }, () => exchange(app, pipelined)));
        for (const answer of answers) {
          // The plain request is answered, then the upgrade is refused (no ticket) and closed.
          expect(statusLines(answer)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 401 Unauthorized']);
        }
      }
      await vi.waitFor(() => expect(openDescriptors()).toBeLessThanOrEqual(before), EVENTUALLY);
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      expect(app.wsgate.registry.size).toBe(0);
    },
    SLOW,
  );

  it(
    'with a valid ticket, is answered 200 then 101, and the WebSocket is served',
    async () => {
      const app = await buildTestApp();
      const ticket = await requestTicket(app);
      const answer = await exchange(
        app,
        `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n${upgradeRequest(`/ws?ticket=${ticket}`)}`,
        false,
      );
      expect(statusLines(answer)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 101 Switching Protocols']);
    },
    SLOW,
  );
});

describe('an upgrade that never becomes a WebSocket', () => {
  it(
    'is destroyed after upgradeTimeoutMs when a hook never finishes, and holds no descriptor',
    async () => {
      const app = await buildTestApp({
        plugin: { upgradeTimeoutMs: 300 },
        routes: (instance) => {
          registerDefaultRoutes(instance);
          instance.get(
            '/stuck',
            {
              websocket: true,
              config: { wsgate: { raw: true } },
              onRequest: () => new Promise<void>(() => undefined),
            },
            (socket) => socket.close(),
          );
        },
      });
      const tickets = await Promise.all(
        Array.from({ length: 50 }, (_, index) => requestTicket(app, { user: `user-${index}` })),
      );
      const before = openDescriptors();
      const answers = await Promise.all(
        tickets.map((ticket) => exchange(app, upgradeRequest(`/stuck?ticket=${ticket}`), false)),
      );
      for (const answer of answers) expect(statusLines(answer)).toEqual([]);
      await vi.waitFor(() => expect(openDescriptors()).toBeLessThanOrEqual(before), EVENTUALLY);
      // The slot the accepted ticket reserved was given back when its socket went away.
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    },
    SLOW,
  );
});
