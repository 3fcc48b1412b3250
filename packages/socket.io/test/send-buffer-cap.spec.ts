// The send-buffer cap's counting, on a fake Engine.IO connection (an EventEmitter that queues as
// Engine.IO does: `packetCreate` before each packet is queued, `flush` when the buffer goes to the
// transport). The real stack is in send-buffer.spec.ts.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  createSendBufferCap,
  packetBytes,
  type CappedConnection,
  type EnginePacket,
} from '../src/send-buffer-cap.js';

class FakeConnection extends EventEmitter {
  transport: { socket?: { bufferedAmount: number } } = { socket: { bufferedAmount: 0 } };
  writeBuffer: EnginePacket[] = [];
  closed = false;

  send(data: string): void {
    if (this.closed) return;
    const packet: EnginePacket = { type: 'message', data, options: {} };
    this.emit('packetCreate', packet);
    this.writeBuffer.push(packet);
  }

  /** Hands the write buffer to the transport (whose WebSocket then holds it). */
  flush(): void {
    this.emit('flush', this.writeBuffer);
    const bytes = this.writeBuffer.reduce((sum, packet) => sum + packetBytes(packet), 0);
    if (this.transport.socket !== undefined) this.transport.socket.bufferedAmount += bytes;
    this.writeBuffer = [];
  }
}

function capped(maxBytes: number) {
  const connection = new FakeConnection();
  const overflows: CappedConnection[] = [];
  const queuedAtOverflow: number[] = [];
  createSendBufferCap(maxBytes, (overflowing) => {
    overflows.push(overflowing);
    queuedAtOverflow.push(connection.writeBuffer.length);
    (overflowing as unknown as FakeConnection).closed = true;
  }).watch(connection as unknown as CappedConnection);
  return { connection, overflows, queuedAtOverflow };
}

const text = (bytes: number) => 'x'.repeat(bytes);

describe('packetBytes', () => {
  it('counts a string packet as its WebSocket frame: header, type character, UTF-8 bytes', () => {
    expect(packetBytes({ type: 'message', data: 'ab' })).toBe(2 + 1 + 2);
    expect(packetBytes({ type: 'message', data: 'é€' })).toBe(2 + 1 + 5);
    expect(packetBytes({ type: 'message', data: text(200) })).toBe(4 + 201);
    expect(packetBytes({ type: 'message', data: text(70_000) })).toBe(10 + 70_001);
    expect(packetBytes({ type: 'ping' })).toBe(2 + 1);
  });

  it('counts binary data as is, and a prebuilt broadcast frame by its parts', () => {
    expect(packetBytes({ type: 'message', data: Buffer.alloc(300) })).toBe(4 + 300);
    expect(packetBytes({ type: 'message', data: new ArrayBuffer(10) })).toBe(2 + 10);
    expect(packetBytes({ type: 'message', data: new Uint16Array(10) })).toBe(2 + 20);
    expect(
      packetBytes({
        type: 'message',
        data: text(1_000),
        options: { wsPreEncodedFrame: [Buffer.alloc(4), Buffer.alloc(1_001)] },
      }),
    ).toBe(1_005);
  });
});

describe('createSendBufferCap', () => {
  it('calls overflow for the packet that would take the write buffer past the cap, before it is queued', () => {
    const { connection, overflows, queuedAtOverflow } = capped(1_000);
    for (let sent = 0; sent < 4; sent += 1) connection.send(text(200)); // 4 × 205 bytes
    expect(overflows).toEqual([]);
    connection.send(text(200)); // 1 025 > 1 000
    expect(overflows).toEqual([connection]);
    expect(queuedAtOverflow).toEqual([4]);
  });

  it('adds what the WebSocket holds, and starts the count over when the buffer is flushed', () => {
    const { connection, overflows } = capped(1_000);
    connection.send(text(400)); // 405
    connection.flush(); // the WebSocket holds 405
    connection.send(text(400));
    expect(overflows).toEqual([]);
    connection.send(text(200)); // 405 + 405 + 205 > 1 000
    expect(overflows).toHaveLength(1);
  });

  it('lets a reading peer through however much is sent: what the network took is no longer counted', () => {
    const { connection, overflows } = capped(1_000);
    for (let sent = 0; sent < 100; sent += 1) {
      connection.send(text(400));
      connection.flush();
      (connection.transport.socket as { bufferedAmount: number }).bufferedAmount = 0; // written out
    }
    expect(overflows).toEqual([]);
  });

  it('caps a transport without a WebSocket (long-polling) by its write buffer alone', () => {
    const { connection, overflows } = capped(1_000);
    connection.transport = {};
    connection.send(text(900));
    expect(overflows).toEqual([]);
    connection.send(text(100));
    expect(overflows).toHaveLength(1);
  });

  it('watches nothing with a cap of 0', () => {
    const { connection, overflows } = capped(0);
    for (let sent = 0; sent < 100; sent += 1) connection.send(text(1_000));
    expect(overflows).toEqual([]);
    expect(connection.listenerCount('packetCreate')).toBe(0);
    expect(connection.listenerCount('flush')).toBe(0);
  });

  it('shares its two listeners between connections', () => {
    const overflows: CappedConnection[] = [];
    const cap = createSendBufferCap(1_000, (connection) => overflows.push(connection));
    const first = new FakeConnection();
    const second = new FakeConnection();
    cap.watch(first as unknown as CappedConnection);
    cap.watch(second as unknown as CappedConnection);
    expect(first.listeners('packetCreate')).toEqual(second.listeners('packetCreate'));
    expect(first.listeners('flush')).toEqual(second.listeners('flush'));
    first.send(text(900));
    second.send(text(900)); // counted apart: no overflow
    expect(overflows).toEqual([]);
    first.send(text(200));
    expect(overflows).toEqual([first]);
  });
});
