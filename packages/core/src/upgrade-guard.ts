import { redactUrlForLog, withoutTicketSubprotocols } from './ticket-extraction.js';

/** The parts of a Node socket an upgrade guard uses (`net.Socket`, `tls.TLSSocket`, a Duplex). */
export interface UpgradeSocket {
  readonly destroyed: boolean;
  destroy(): void;
  once(event: 'close', listener: () => void): unknown;
  /** Lets the guard stop listening once the upgrade completed (Node sockets have it). */
  removeListener?(event: 'close', listener: () => void): unknown;
}

/** The guard of one upgrade request. */
export interface UpgradeGuard {
  /** The upgrade became a WebSocket: the deadline no longer applies. */
  upgraded(): void;
}

/** Something taken for an upgrade in flight (a connection slot), given back if the client leaves first. */
export interface UpgradeHold {
  release(): void;
}

function expire(guard: UpgradeDeadline): void {
  guard.expired();
}

/**
 * The deadline of one upgrade: the socket is destroyed past it unless `upgraded()` came first,
 * and what it holds is given back. Until then it listens to the socket's `close` (to drop the
 * timer, and give back what it holds at once) unless told to stop; after, it keeps no reference
 * to the socket.
 */
export class UpgradeDeadline implements UpgradeGuard {
  #socket: UpgradeSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #held: UpgradeHold | undefined;
  readonly #onClose = (): void => {
    const held = this.#held;
    this.#end();
    held?.release();
  };

  constructor(socket: UpgradeSocket, timeoutMs: number) {
    this.#socket = socket;
    this.#timer = setTimeout(expire, timeoutMs, this);
    this.#timer.unref();
    socket.once('close', this.#onClose);
  }

  /** Gives `hold` back if the socket closes before the upgrade completes (at once if it already has). */
  hold(hold: UpgradeHold): void {
    if (this.#socket === undefined || this.#socket.destroyed) {
      hold.release();
      return;
    }
    this.#held = hold;
  }

  /**
   * Stops listening to the socket's `close`; the deadline still applies and still gives back
   * what is held. For an adapter whose upgrade completes right after its last check: a listener
   * still attached when `ws` adds its own would grow the socket's listener array to ~20 slots,
   * kept for the connection's whole life (~150 B per idle connection).
   */
  stopWatchingClose(): void {
    this.#socket?.removeListener?.('close', this.#onClose);
  }

  upgraded(): void {
    this.#end();
  }

  /** Past the deadline: the socket is destroyed and what is held given back. */
  expired(): void {
    const socket = this.#socket;
    const held = this.#held;
    this.#end();
    socket?.destroy();
    held?.release();
  }

  /** Done: no timer, no `close` listener, nothing held, no reference to the socket. */
  #end(): void {
    this.#socket?.removeListener?.('close', this.#onClose);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#socket = undefined;
    this.#held = undefined;
  }
}

/**
 * Every upgrade ends as a WebSocket or as a destroyed socket: past `timeoutMs` without becoming
 * a WebSocket (a hook that never finishes, an upgrade nobody handles), the socket is destroyed.
 * Node's HTTP server lets go of a socket once it emits `upgrade` (no timeout applies any more),
 * so without this such a socket stays open for ever.
 */
export function guardUpgrade(socket: UpgradeSocket, timeoutMs: number): UpgradeGuard {
  return new UpgradeDeadline(socket, timeoutMs);
}

/** A response still being written on a connection (Node keeps it as `socket._httpMessage`). */
interface PendingResponse {
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * Runs `dispatch` once the connection has no response in flight. An upgrade pipelined behind
 * another request on one connection arrives while that request's response is still being
 * written; handing the socket on then fails (`ERR_HTTP_SOCKET_ASSIGNED` in @fastify/websocket,
 * which then leaves the socket open for ever). Waiting for that response serves both, in order.
 */
export function afterPendingResponse(socket: object, dispatch: () => void): void {
  const pending = (socket as { _httpMessage?: PendingResponse | null })._httpMessage;
  if (pending === undefined || pending === null) {
    dispatch();
    return;
  }
  let dispatched = false;
  const resume = (): void => {
    if (dispatched) return;
    dispatched = true;
    dispatch();
  };
  pending.once('finish', resume);
  pending.once('close', resume);
}

/** The parts of a Node `IncomingMessage` that {@link redactRequestForLog} rewrites. */
export interface RedactableRequest {
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
}

/**
 * Takes the ticket out of a request in place, before a framework's router or logger sees it:
 * the URL as {@link redactUrlForLog} writes it, and the `wsgate.ticket.*` subprotocol entries
 * dropped (not masked, so that `ws` still parses what remains). Read the ticket first.
 */
export function redactRequestForLog(request: RedactableRequest, queryParam: string): void {
  request.url = redactUrlForLog(request.url ?? '/', queryParam);
  const protocols = request.headers['sec-websocket-protocol'];
  if (typeof protocols !== 'string') return;
  const remaining = withoutTicketSubprotocols(protocols);
  if (remaining === protocols) return;
  if (remaining === undefined) delete request.headers['sec-websocket-protocol'];
  else request.headers['sec-websocket-protocol'] = remaining;
  // A synthetic request (@fastify/websocket's `injectWS`) has no rawHeaders.
  const rawHeaders = Array.isArray(request.rawHeaders) ? request.rawHeaders : [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if (rawHeaders[index]?.toLowerCase() === 'sec-websocket-protocol')
      rawHeaders[index + 1] = remaining ?? '';
  }
}
