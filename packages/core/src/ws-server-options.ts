import { DEFAULTS } from './defaults.js';
import { WsGateConfigError } from './errors.js';

/**
 * The limits @wsgate puts on every `ws` server it secures (the Fastify plugin's and the NestJS
 * adapter's): a peer can make the server hold at most one message of `maxPayload` bytes, in at
 * most `maxFragments` fragments and `maxBufferedChunks` chunks, and at most
 * `maxPendingAutoPongs` unanswered pings before it is dropped (a client that pings without
 * reading). No compression unless asked for.
 */
export interface WsServerOptions {
  readonly maxPayload: number;
  /** Off unless the user turns it on (`maxPayload` then applies to the decompressed message). */
  readonly perMessageDeflate: boolean | object;
  readonly maxFragments: number;
  readonly maxBufferedChunks: number;
  readonly maxPendingAutoPongs: number;
}

/**
 * `ws` server options with @wsgate's limits over the user's: the user may lower `maxPayload` and
 * the other limits, never raise them above @wsgate's.
 */
export function resolveWsServerOptions<O extends object>(
  user: O | undefined,
  maxMessageBytes: number,
): WsServerOptions & O {
  const given = (user ?? {}) as O & Partial<Record<keyof WsServerOptions, unknown>>;
  const maxPayload = given.maxPayload ?? maxMessageBytes;
  // ws reads 0 (and anything but a positive integer) as "no limit".
  if (typeof maxPayload !== 'number' || !Number.isInteger(maxPayload) || maxPayload < 1)
    throw new WsGateConfigError(`maxPayload (${String(maxPayload)}) must be a positive integer`);
  if (maxPayload > maxMessageBytes)
    throw new WsGateConfigError(`maxPayload (${maxPayload}) exceeds messages.maxBytes (${maxMessageBytes})`);
  const limits = DEFAULTS.wsServer;
  return {
    ...given,
    maxPayload,
    perMessageDeflate: (given.perMessageDeflate as boolean | object | undefined) ?? false,
    maxFragments: Math.min(numberOr(given.maxFragments, limits.maxFragments), limits.maxFragments),
    maxBufferedChunks: Math.min(
      numberOr(given.maxBufferedChunks, limits.maxBufferedChunks),
      limits.maxBufferedChunks,
    ),
    maxPendingAutoPongs: Math.min(
      numberOr(given.maxPendingAutoPongs, limits.maxPendingAutoPongs),
      limits.maxPendingAutoPongs,
    ),
  };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
}
