// What every benchmarked stack speaks: the demo protocol's welcome frame and `chat` echo
// (docs/demo-protocol.md, apps/fastify-sample/src/protocol.ts).
import { jsonSchemaValidator } from '@wsgate/core';

/** The Origin every client sends, and the only one the @wsgate stacks allow. */
export const ORIGIN = 'https://app.bench.test';
/** Path of the WebSocket route on every stack (socket.io keeps its own). */
export const WS_PATH = '/ws';
/** The message the message scenarios send. */
export const CHAT_MESSAGE = JSON.stringify({ type: 'chat', room: 'bench', text: 'hello' });
/** HS256 secret of the socket.io peer. */
export const JWT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
/** A subject of the same length as the issued ones, for the stacks without authentication. */
export const ANONYMOUS = 'user-000000';
/** The message guard's rate limit in the bench: high enough never to close a bench socket (the bucket still runs). */
export const BENCH_RATE_LIMIT = Object.freeze({ burst: 1e9, perSecond: 1e9 });
/**
 * Connection caps for the bench: every client comes from 127.0.0.1, so the per-address cap
 * (default 100) is raised above the idle-connection scenario; the check still runs. Ignored by
 * a @wsgate build without connection caps.
 */
export const BENCH_CONNECTION_LIMITS = Object.freeze({ maxPerAddress: 1_000_000 });

/** Subject of the n-th issued ticket: unique, so the per-subject cap of the memory store never drops one. */
export function subjectOf(n) {
  return `user-${String(n % 1_000_000).padStart(6, '0')}`;
}

export function welcomeFrame(user, roles) {
  return { type: 'welcome', user, roles };
}

export function chatEcho(user, room, text) {
  return { type: 'chat', room, from: user, text, at: Date.now() };
}

const ROOM = { type: 'string', pattern: '^[a-z0-9_-]{1,32}$' };
const TEXT = { type: 'string', minLength: 1, maxLength: 2000 };
const object = (properties) => ({ type: 'object', properties, required: Object.keys(properties) });

/**
 * The demo protocol's schemas, as apps/fastify-sample/src/protocol.ts declares them with
 * TypeBox (these are the JSON Schemas TypeBox produces; closed objects by default).
 */
export const messageSchemas = {
  join: jsonSchemaValidator(object({ type: { type: 'string', const: 'join' }, room: ROOM })),
  chat: jsonSchemaValidator(object({ type: { type: 'string', const: 'chat' }, room: ROOM, text: TEXT })),
  whoami: jsonSchemaValidator(object({ type: { type: 'string', const: 'whoami' } })),
  announce: jsonSchemaValidator(object({ type: { type: 'string', const: 'announce' }, text: TEXT })),
};

/**
 * The handler of the bare stacks: `JSON.parse` and a dispatch on `type`, no validation (what
 * an app without @wsgate typically does).
 */
export function bareMessageHandler(socket, user) {
  return (data) => {
    let message;
    try {
      message = JSON.parse(data.toString());
    } catch {
      socket.send('{"type":"error","code":"BAD_JSON","message":"message is not valid JSON"}');
      return;
    }
    if (message !== null && message.type === 'chat')
      socket.send(JSON.stringify(chatEcho(user, message.room, message.text)));
  };
}
