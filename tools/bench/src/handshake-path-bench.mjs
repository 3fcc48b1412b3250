#!/usr/bin/env node
// Micro-benchmark of what @wsgate/core does per WebSocket handshake, in one process, without
// sockets: the calls the Fastify adapter makes, on fake requests and sockets (EventEmitters),
// phase by phase, in CPU µs per handshake (`process.cpuUsage`, medians of rounds):
//   intercept  the `upgrade` event through `interceptUpgrades` (deadline, pipelining check,
//              inspection, redaction) to the relay
//   authorize  `gate.authorizeUpgrade` with that inspection (syntax, address, Origin, brute-force
//              limit, ticket: SHA-256, store take, bindings, connection slot)
//   admit      `gate.openWebSocket` with a message router, the welcome frame through the
//              supervisor, then the close (registry, supervision, audit events)
//   all        the three in sequence, as one handshake
// and, for scale, the hand-written check of the bench's `fastify-ticket-check` stack.
// Tickets are issued between rounds, outside the measured time. A report, not a test.
// Flags: --rounds=N (default 7), --n=N handshakes per round (default 20 000), --only=phase,...
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createWsGate, interceptUpgrades, handshakeRequestFrom, typeEnvelope } from '@wsgate/core';
import {
  BENCH_CONNECTION_LIMITS,
  BENCH_RATE_LIMIT,
  chatEcho,
  messageSchemas,
  ORIGIN,
} from './lib/protocol.mjs';
import { benchTickets } from './lib/ticket-stores.mjs';

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=');
    return [name, value ?? 'true'];
  }),
);
const ROUNDS = Number(args.get('rounds') ?? 7);
const N = Number(args.get('n') ?? 20_000);
const PHASES = ['hand-written', 'intercept', 'authorize', 'admit', 'all'];
const only = args.has('only') ? args.get('only').split(',') : PHASES;

const gate = createWsGate({
  origins: { allow: [ORIGIN] },
  tickets: { bindIp: true, bindOrigin: true },
  messages: { rateLimit: BENCH_RATE_LIMIT },
  connections: BENCH_CONNECTION_LIMITS,
  adapter: 'fastify',
});
const router = gate.createRouter(
  {
    chat: {
      schema: messageSchemas.chat,
      handler: ({ room, text }, { principal }) => chatEcho(principal.subject, room, text),
    },
  },
  typeEnvelope,
);
const report = () => undefined;

/** What Node hands to an `upgrade` listener: a fresh request and socket per handshake. */
function fakeUpgrade(ticket) {
  const socket = new EventEmitter();
  socket.remoteAddress = '127.0.0.1';
  socket.encrypted = undefined;
  socket.destroyed = false;
  socket.destroy = () => {
    socket.destroyed = true;
  };
  const headers = {
    host: '127.0.0.1:3000',
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': randomBytes(16).toString('base64'),
    'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
    origin: ORIGIN,
  };
  const rawHeaders = Object.entries(headers).flat();
  const request = { method: 'GET', url: `/ws?ticket=${ticket}`, headers, rawHeaders, socket };
  return { request, socket };
}

/** A `ws` WebSocket as far as admission uses it. */
function fakeWebSocket() {
  const ws = new EventEmitter();
  ws.readyState = 1;
  ws.bufferedAmount = 0;
  ws.send = () => undefined;
  ws.ping = () => undefined;
  ws.close = () => undefined;
  ws.terminate = () => undefined;
  return ws;
}

/** Issues tickets as the bench's servers do (unique subjects, the bench's IP and Origin). */
const { issue } = benchTickets(gate.tickets);

const server = new EventEmitter();
const interception = interceptUpgrades(server, gate, report);
let relayed = 0;
interception.relay.on('upgrade', () => {
  relayed += 1;
});

async function authorize(request) {
  const result = await gate.authorizeUpgrade(handshakeRequestFrom(request), {
    inspection: interception.inspectionOf(request),
  });
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`);
  request.socket.once('close', () => result.reservation.release());
  return result;
}

function admitAndClose(acceptance, request) {
  const ws = fakeWebSocket();
  const admitted = gate.openWebSocket(acceptance, ws, {
    report,
    router,
    context: (connection) => ({
      socket: ws,
      request,
      get principal() {
        return connection.principal;
      },
      send: (frame) => gate.supervisor.send(ws, frame),
    }),
  });
  interception.upgraded(request);
  gate.supervisor.send(ws, { type: 'welcome', user: admitted.principal.subject, roles: ['user'] });
  ws.emit('close', 1000, Buffer.alloc(0));
  request.socket.emit('close');
}

/** The `preValidation` hook of the bench's fastify-ticket-check stack, on a Map of records. */
function handWritten(tickets, ticket, request) {
  const record = tickets.get(ticket);
  if (record !== undefined) tickets.delete(ticket);
  if (
    record === undefined ||
    record.expiresAt < Date.now() ||
    record.origin !== request.headers.origin ||
    record.ip !== request.socket.remoteAddress
  )
    throw new Error('refused');
  return record;
}

async function round(phase) {
  let tickets;
  let map;
  if (phase === 'hand-written') {
    map = new Map();
    tickets = [];
    for (let index = 0; index < N; index += 1) {
      const ticket = randomBytes(32).toString('base64url');
      map.set(ticket, { subject: 'u', ip: '127.0.0.1', origin: ORIGIN, expiresAt: Date.now() + 30_000 });
      tickets.push(ticket);
    }
  } else if (phase === 'intercept') {
    // Interception never redeems: tickets of the right shape, not issued (they would pile up in the store).
    tickets = Array.from({ length: N }, () => randomBytes(32).toString('base64url'));
  } else {
    tickets = await issue(N);
  }
  const upgrades = tickets.map(fakeUpgrade);
  // Phases after `intercept` start from intercepted requests, as they would in the adapter.
  if (phase === 'authorize' || phase === 'admit')
    for (const { request, socket } of upgrades) server.emit('upgrade', request, socket, Buffer.alloc(0));
  let acceptances;
  if (phase === 'admit') acceptances = await Promise.all(upgrades.map(({ request }) => authorize(request)));
  const head = Buffer.alloc(0);
  const start = process.cpuUsage();
  for (let index = 0; index < N; index += 1) {
    const { request, socket } = upgrades[index];
    switch (phase) {
      case 'hand-written':
        handWritten(map, tickets[index], request);
        break;
      case 'intercept':
        server.emit('upgrade', request, socket, head);
        break;
      case 'authorize':
        await authorize(request);
        break;
      case 'admit':
        admitAndClose(acceptances[index], request);
        break;
      case 'all': {
        server.emit('upgrade', request, socket, head);
        admitAndClose(await authorize(request), request);
        break;
      }
    }
  }
  const used = process.cpuUsage(start);
  // Deadline timers of `intercept` that no admission cleared: let them go.
  if (phase === 'intercept' || phase === 'authorize')
    for (const { request, socket } of upgrades) {
      interception.upgraded(request);
      socket.emit('close');
    }
  return (used.user + used.system) / N;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = {};
for (const phase of PHASES.filter((name) => only.includes(name))) {
  await round(phase); // warm-up
  const values = [];
  for (let index = 0; index < ROUNDS; index += 1) values.push(await round(phase));
  results[phase] = values;
  const sorted = [...values].sort((a, b) => a - b);
  process.stdout.write(
    `${phase.padEnd(13)} ${median(values).toFixed(2).padStart(7)} µs/handshake (${sorted[0].toFixed(2)}–${sorted.at(-1).toFixed(2)})\n`,
  );
}
if (gate.registry.size !== 0) throw new Error(`${gate.registry.size} connections left registered`);
if (only.includes('intercept') && relayed === 0) throw new Error('no upgrade reached the relay');
await gate.tickets.close();
