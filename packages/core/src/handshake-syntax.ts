import type { HandshakeHeaders } from './handshake-request.js';

/** Why a WebSocket handshake is syntactically invalid (the status `ws` would answer with). */
export type HandshakeSyntaxError =
  | { readonly status: 405; readonly reason: 'method_not_allowed' }
  | { readonly status: 400; readonly reason: 'bad_handshake' };

/** `Sec-WebSocket-Key`: 16 random bytes, base64 (RFC 6455 §4.1). */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** RFC 7230 `tchar`: the characters of a token (a subprotocol name). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const METHOD_NOT_ALLOWED: HandshakeSyntaxError = Object.freeze({ status: 405, reason: 'method_not_allowed' });
const BAD_HANDSHAKE: HandshakeSyntaxError = Object.freeze({ status: 400, reason: 'bad_handshake' });

/**
 * Parses `Sec-WebSocket-Protocol` exactly as `ws` does: comma-separated tokens, optional
 * spaces or tabs around them (not before the first), no empty entry, no duplicate. Returns the
 * names in order, or `undefined` when `ws` would refuse the header.
 */
export function parseSubprotocolHeader(value: string): string[] | undefined {
  if (value.length === 0 || /^[ \t]|[ \t]$/.test(value)) return undefined;
  const names: string[] = [];
  for (const entry of value.split(',')) {
    const name = entry.replace(/^[ \t]+|[ \t]+$/g, '');
    if (!TOKEN.test(name) || names.includes(name)) return undefined;
    names.push(name);
  }
  return names;
}

/**
 * The checks `ws` makes before it upgrades a request (method, `Upgrade`, `Sec-WebSocket-Key`,
 * `Sec-WebSocket-Version`, `Sec-WebSocket-Protocol`), made first so that a handshake `ws` would
 * refuse with 400/405 is refused before its ticket is looked at, and never burns it.
 * Node joins a repeated header with `, `, so a doubled key or version fails here too.
 *
 * @returns `undefined` when `ws` would accept the handshake.
 */
export function checkHandshakeSyntax(request: {
  readonly method: string;
  readonly headers: HandshakeHeaders;
}): HandshakeSyntaxError | undefined {
  if (request.method !== 'GET') return METHOD_NOT_ALLOWED;
  const { headers } = request;
  if (typeof headers['upgrade'] !== 'string' || headers['upgrade'].toLowerCase() !== 'websocket')
    return BAD_HANDSHAKE;
  const key = headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY.test(key)) return BAD_HANDSHAKE;
  // `ws` reads the version as `+value`: the same conversion, the same answer (a synthetic request
  // such as @fastify/websocket's injectWS carries it as a number).
  const version: unknown = headers['sec-websocket-version'];
  if (typeof version !== 'string' && typeof version !== 'number') return BAD_HANDSHAKE;
  if (Number(version) !== 13 && Number(version) !== 8) return BAD_HANDSHAKE;
  const protocols = headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    if (typeof protocols !== 'string' || parseSubprotocolHeader(protocols) === undefined)
      return BAD_HANDSHAKE;
  }
  return undefined;
}
