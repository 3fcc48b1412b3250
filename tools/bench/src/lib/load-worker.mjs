// The load generator: one process, `ws` clients (socket.io-client for the socket.io peer),
// driven over IPC by run.mjs. Every loop is bounded by a count and a deadline.
import { performance } from 'node:perf_hooks';
import jwt from 'jsonwebtoken';
import { io as ioClient } from 'socket.io-client';
import WebSocket from 'ws';
import { serveRpc } from './ipc.mjs';
import { CHAT_MESSAGE, JWT_SECRET, ORIGIN, WS_PATH } from './protocol.mjs';

/** Longest a single handshake or close may take before it counts as an error. */
const OPERATION_TIMEOUT_MS = 10_000;
const CHAT_PREFIX = '{"type":"chat"';

/** Open connection sets, by name (message and memory scenarios). */
const sets = new Map();

function cpuUs() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function latencySummary(samples, count) {
  const sorted = samples.subarray(0, count).sort();
  return { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

function wsUrl(port, ticket) {
  return `ws://127.0.0.1:${port}${WS_PATH}${ticket === undefined ? '' : `?ticket=${ticket}`}`;
}

/** One `ws` handshake: open, receive the welcome frame, close (and wait for the close to complete). */
function wsHandshake(url) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { origin: ORIGIN, perMessageDeflate: false });
    let welcomed = false;
    let failure;
    const timer = setTimeout(() => {
      failure ??= new Error('handshake timed out');
      socket.terminate();
    }, OPERATION_TIMEOUT_MS);
    socket.once('message', () => {
      welcomed = true;
      socket.close(1000);
    });
    socket.on('error', (error) => {
      failure ??= error;
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(welcomed ? undefined : (failure ?? new Error('closed before the welcome frame')));
    });
  });
}

/**
 * One socket.io handshake: connect with a JWT in `auth` (the peer) or a ticket in the handshake
 * query (@wsgate/socket.io), receive `welcome`, disconnect.
 */
async function ioHandshake(port, credentials) {
  const { entry, error } = await openIo(port, credentials);
  entry?.socket.disconnect();
  return error;
}

async function handshakes({ kind, port, concurrency, durationMs, maxCount, tickets }) {
  const limit = tickets === undefined ? maxCount : Math.min(maxCount, tickets.length);
  const tokens =
    kind === 'socketio' ? Array.from({ length: concurrency }, (_, index) => peerToken(index)) : undefined;
  const latencies = new Float64Array(limit);
  let started = 0;
  let count = 0;
  let errors = 0;
  let firstError;
  const cpuBefore = cpuUs();
  const begin = performance.now();
  const deadline = begin + durationMs;
  async function loop(index) {
    while (started < limit && performance.now() < deadline) {
      const n = started++;
      const t0 = performance.now();
      const failure =
        kind === 'socketio'
          ? await ioHandshake(port, { auth: { token: tokens[index] } })
          : kind === 'socketio-ticket'
            ? await ioHandshake(port, { query: { ticket: tickets?.[n] } })
            : await wsHandshake(wsUrl(port, tickets?.[n]));
      if (failure === undefined) latencies[count++] = performance.now() - t0;
      else {
        errors += 1;
        firstError ??= failure.message;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, index) => loop(index)));
  const elapsedMs = performance.now() - begin;
  const cpu = cpuUs() - cpuBefore;
  return {
    count,
    started,
    errors,
    firstError,
    elapsedMs,
    cpuUs: cpu,
    ranOutOfTickets: tickets !== undefined && started >= tickets.length,
    ...latencySummary(latencies, count),
  };
}

/** A JWT for the socket.io peer's connection `index` (its `auth.token`). */
function peerToken(index) {
  return jwt.sign({ sub: `user-${String(index).padStart(6, '0')}`, roles: ['user'] }, JWT_SECRET, {
    algorithm: 'HS256',
    expiresIn: '10m',
  });
}

/**
 * Opens one `ws` connection and waits for the welcome frame. Resolves `{ entry }` once welcomed,
 * else `{ error }`; later frames go to `entry.onMessage`.
 */
function openWs(port, ticket) {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl(port, ticket), { origin: ORIGIN, perMessageDeflate: false });
    const entry = { socket, onMessage: undefined, close: closeWs };
    let settled = false;
    const settle = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      socket.terminate();
      settle({ error: new Error('open timed out') });
    }, OPERATION_TIMEOUT_MS);
    socket.on('message', (data) => {
      if (!settled) settle({ entry });
      else entry.onMessage?.(data);
    });
    socket.on('error', (error) => settle({ error }));
    socket.once('close', () => settle({ error: new Error('closed before the welcome frame') }));
  });
}

/** Closes a `ws` connection (close handshake, then terminate after a bound). */
function closeWs(socket) {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => {
      socket.terminate();
      resolve();
    }, OPERATION_TIMEOUT_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(1000);
  });
}

/**
 * Opens one socket.io connection (a JWT in `auth` for the peer, a ticket in the handshake query
 * for @wsgate/socket.io) and waits for `welcome`.
 */
function openIo(port, credentials) {
  return new Promise((resolve) => {
    const socket = ioClient(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      ...credentials,
      extraHeaders: { origin: ORIGIN },
      reconnection: false,
      forceNew: true,
      timeout: OPERATION_TIMEOUT_MS,
    });
    const entry = { socket, onMessage: undefined, close: closeIo };
    socket.once('welcome', () => resolve({ entry }));
    socket.once('connect_error', (error) => {
      socket.disconnect();
      resolve({ error });
    });
  });
}

/** Disconnects a socket.io connection and waits until its transport is closed (bounded). */
function closeIo(socket) {
  return new Promise((resolve) => {
    const engine = socket.io.engine;
    if (engine === undefined || engine.readyState === 'closed') {
      socket.disconnect();
      return resolve();
    }
    const timer = setTimeout(resolve, OPERATION_TIMEOUT_MS);
    engine.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.disconnect();
  });
}

/**
 * Opens `n` connections of client `kind` (`ws`, `socketio`, `socketio-ticket`; at most
 * `concurrency` handshakes at once) and keeps them in set `set`.
 */
async function open({ set, port, n, tickets, kind = 'ws', concurrency = 32, timeoutMs = 120_000 }) {
  const entries = [];
  sets.set(set, entries);
  let next = 0;
  let errors = 0;
  let firstError;
  const begin = performance.now();
  const deadline = begin + timeoutMs;
  const openOne = (index) =>
    kind === 'socketio'
      ? openIo(port, { auth: { token: peerToken(index) } })
      : kind === 'socketio-ticket'
        ? openIo(port, { query: { ticket: tickets?.[index] } })
        : openWs(port, tickets?.[index]);
  async function loop() {
    while (next < n && performance.now() < deadline) {
      const { entry, error } = await openOne(next++);
      if (entry !== undefined) entries.push(entry);
      else {
        errors += 1;
        firstError ??= error.message;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, loop));
  return { opened: entries.length, errors, firstError, elapsedMs: performance.now() - begin };
}

/** Closed loop on every connection of `set`: send `chat`, wait for its echo, send the next. */
async function messages({ set, durationMs, maxCount }) {
  const entries = sets.get(set) ?? [];
  const latencies = new Float64Array(maxCount);
  let sent = 0;
  let count = 0;
  let errors = 0;
  let active = entries.length;
  const cpuBefore = cpuUs();
  const begin = performance.now();
  const deadline = begin + durationMs;
  await new Promise((resolve) => {
    if (active === 0) resolve();
    const guard = setTimeout(resolve, durationMs + OPERATION_TIMEOUT_MS);
    for (const entry of entries) {
      let sentAt = 0;
      const sendNext = () => {
        const now = performance.now();
        if (sent >= maxCount || now >= deadline || entry.socket.readyState !== WebSocket.OPEN) {
          entry.onMessage = undefined;
          active -= 1;
          if (active === 0) {
            clearTimeout(guard);
            resolve();
          }
          return;
        }
        sent += 1;
        sentAt = now;
        entry.socket.send(CHAT_MESSAGE);
      };
      entry.onMessage = (data) => {
        if (data.toString('latin1', 0, CHAT_PREFIX.length) === CHAT_PREFIX)
          latencies[count++] = performance.now() - sentAt;
        else errors += 1;
        sendNext();
      };
      sendNext();
    }
  });
  const elapsedMs = performance.now() - begin;
  const cpu = cpuUs() - cpuBefore;
  return {
    count,
    errors,
    firstError: errors > 0 ? 'unexpected reply to chat' : undefined,
    stalled: active,
    elapsedMs,
    cpuUs: cpu,
    ...latencySummary(latencies, count),
  };
}

/** Closes every connection of `set` (close handshake, then terminate what is left after a bound). */
async function closeAll({ set }) {
  const entries = sets.get(set) ?? [];
  sets.delete(set);
  await Promise.all(entries.map((entry) => entry.close(entry.socket)));
  return { closed: entries.length };
}

serveRpc({ handshakes, open, messages, closeAll });
