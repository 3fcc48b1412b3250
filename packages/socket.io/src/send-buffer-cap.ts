/** An Engine.IO packet as its socket's `packetCreate` event hands it over, before it is queued. */
export interface EnginePacket {
  readonly type: string;
  /** A string, or binary data (sent as is). */
  readonly data?: unknown;
  readonly options?: {
    /** The WebSocket frame Socket.IO built once for a broadcast (`ws`'s `Sender.frame()`). */
    readonly wsPreEncodedFrame?: readonly ArrayBufferView[];
  };
}

const kQueuedBytes = Symbol('wsgate.queuedBytes');

/**
 * An Engine.IO connection (`socket.conn`) whose send buffer is capped: its events (listeners are
 * called with the connection as `this`), its transport's WebSocket (when it has one).
 */
export interface CappedConnection {
  readonly transport: { readonly socket?: { readonly bufferedAmount?: unknown } };
  on(event: 'packetCreate', listener: (this: CappedConnection, packet: EnginePacket) => void): unknown;
  on(event: 'flush', listener: (this: CappedConnection) => void): unknown;
  /** Bytes of the packets Engine.IO holds in its write buffer (not yet handed to the transport). */
  [kQueuedBytes]?: number;
}

/** The send-buffer cap of one server's connections. */
export interface SendBufferCap {
  /** Caps what is queued for this connection from now on (nothing to undo: it ends with it). */
  watch(connection: CappedConnection): void;
}

/** The size of a WebSocket frame header of a server frame (unmasked) carrying `payload` bytes. */
function frameHeaderBytes(payload: number): number {
  if (payload < 126) return 2;
  return payload < 65_536 ? 4 : 10;
}

/**
 * The bytes a packet takes once framed for a WebSocket: the frame Socket.IO prebuilt for a
 * broadcast as it is; else the frame of the packet type (one character) and the UTF-8 string, or
 * of the binary data as is.
 */
export function packetBytes(packet: EnginePacket): number {
  const frame = packet.options?.wsPreEncodedFrame;
  if (frame !== undefined) {
    let bytes = 0;
    for (const part of frame) bytes += part.byteLength;
    return bytes;
  }
  const { data } = packet;
  let payload = 1;
  if (typeof data === 'string') payload += Buffer.byteLength(data);
  else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) payload = data.byteLength;
  return payload + frameHeaderBytes(payload);
}

/** What the connection's WebSocket holds, not yet written to the network (`0` without one). */
function transportBufferedBytes(connection: CappedConnection): number {
  const buffered = connection.transport.socket?.bufferedAmount;
  return typeof buffered === 'number' ? buffered : 0;
}

/**
 * Bounds what each connection queues for a peer that does not read: Engine.IO's write buffer
 * (packets waiting while its transport is not writable: a WebSocket whose last send has not been
 * written out, a long-polling client that does not poll) plus what the transport's WebSocket
 * holds (`bufferedAmount`). The write buffer's bytes are a running count (each packet added as
 * it is created, reset when Engine.IO flushes the buffer to the transport); a packet that would
 * take the total past `maxBytes` calls `overflow`, before Engine.IO queues it, which must close
 * the connection. `maxBytes` `0`: no cap (nothing is watched).
 *
 * Two listeners per connection, shared by all of them; the count is a number on the connection.
 */
export function createSendBufferCap(
  maxBytes: number,
  overflow: (connection: CappedConnection) => void,
): SendBufferCap {
  function onPacketCreate(this: CappedConnection, packet: EnginePacket): void {
    const queued = (this[kQueuedBytes] ?? 0) + packetBytes(packet);
    if (queued + transportBufferedBytes(this) > maxBytes) {
      overflow(this);
      return;
    }
    this[kQueuedBytes] = queued;
  }
  function onFlush(this: CappedConnection): void {
    this[kQueuedBytes] = 0;
  }

  return {
    watch(connection) {
      if (maxBytes === 0) return;
      connection[kQueuedBytes] = 0;
      connection.on('packetCreate', onPacketCreate);
      connection.on('flush', onFlush);
    },
  };
}
