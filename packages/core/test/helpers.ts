// Shared test doubles. Not a spec file: vitest only collects `*.spec.ts`.
import {
  createWsGate,
  MemoryTicketStore,
  messageError,
  toValidator,
  typeEnvelope,
  type EnvelopeCodec,
  type FrameLimits,
  type HandshakeRequest,
  type MessageSchema,
  type Principal,
  type RawFrame,
  type TicketRecord,
  type TicketStore,
} from '../src/index.js';

/** A clock the test moves by hand. */
export interface FakeClock {
  now: number;
  readonly clock: () => number;
  advance(ms: number): void;
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  const state: FakeClock = {
    now: start,
    clock: () => state.now,
    advance(ms: number) {
      state.now += ms;
    },
  };
  return state;
}

/** A store that records every call and delegates to a memory store (sweep timer off). */
export class RecordingStore implements TicketStore {
  readonly puts: { key: string; record: TicketRecord; ttlMs: number }[] = [];
  readonly takes: string[] = [];
  readonly inner: MemoryTicketStore;

  constructor(clock?: () => number) {
    this.inner = new MemoryTicketStore({ sweepIntervalMs: 0, clock });
  }

  async put(key: string, record: TicketRecord, ttlMs: number): Promise<void> {
    this.puts.push({ key, record, ttlMs });
    await this.inner.put(key, record, ttlMs);
  }

  async take(key: string): Promise<TicketRecord | undefined> {
    this.takes.push(key);
    return this.inner.take(key);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

/** A store whose `take` yields to the event loop first, like a network store would. */
export class YieldingStore implements TicketStore {
  readonly inner = new MemoryTicketStore({ sweepIntervalMs: 0 });

  async put(key: string, record: TicketRecord, ttlMs: number): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    await this.inner.put(key, record, ttlMs);
  }

  async take(key: string): Promise<TicketRecord | undefined> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.take(key);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

/** A store that fails every call with `error`. */
export class FailingStore implements TicketStore {
  takeCalls = 0;
  constructor(private readonly error: unknown) {}

  async put(): Promise<void> {
    throw this.error;
  }

  async take(): Promise<TicketRecord | undefined> {
    this.takeCalls += 1;
    throw this.error;
  }

  async close(): Promise<void> {
    // nothing to release
  }
}

/** A handshake request with sensible defaults. */
/** The headers every valid WebSocket handshake carries (RFC 6455 §4.1). */
export const UPGRADE_HEADERS = Object.freeze({
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'sec-websocket-version': '13',
});

/** A valid WebSocket handshake; `headers` are added to {@link UPGRADE_HEADERS} (`undefined` removes one). */
export function handshake(overrides: Partial<HandshakeRequest> = {}): HandshakeRequest {
  const headers = Object.fromEntries(
    Object.entries({ ...UPGRADE_HEADERS, ...overrides.headers }).filter(([, value]) => value !== undefined),
  );
  return {
    method: 'GET',
    url: '/ws',
    remoteAddress: '127.0.0.1',
    encrypted: false,
    ...overrides,
    headers,
  };
}

/** A fake socket that records its close calls. */
export class FakeConnection {
  readonly closes: { code: number | undefined; reason: string | undefined }[] = [];
  constructor(readonly name = 'socket') {}

  close(code?: number, reason?: string): void {
    this.closes.push({ code, reason });
  }
}

// ---------------------------------------------------------------------------------------------
// The message path through the router, observed one frame at a time.
// ---------------------------------------------------------------------------------------------

/** What happened to one frame: handled (with the validated message), answered, or closed. */
export type FrameOutcome<M = unknown> =
  | { readonly ok: true; readonly message: M }
  | { readonly ok: false; readonly action: 'reply'; readonly reply: Record<string, unknown> }
  | { readonly ok: false; readonly action: 'close'; readonly closeCode: number; readonly reason: string };

/** Options of {@link routedFrames}: the schemas by message type, and the frame limits. */
export interface RoutedFramesOptions extends FrameLimits {
  schemas: Readonly<Record<string, MessageSchema>>;
  codec?: EnvelopeCodec;
}

/**
 * A router over `schemas` (type envelope unless `codec` says otherwise) whose handlers record
 * the message they get; `forConnection().check(frame)` tells what the router did with one frame.
 */
export function routedFrames(options: RoutedFramesOptions) {
  const { schemas, codec = typeEnvelope, ...frames } = options;
  const gate = createWsGate({ origins: { allow: 'https://app.example.com' }, messages: frames });
  let handled: unknown;
  const routes = Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [
      name,
      {
        validator: toValidator(schema, name),
        handle: (message: unknown) => {
          handled = message;
        },
      },
    ]),
  );
  const router = gate.createRouter(routes, codec);
  return {
    maxBytes: gate.messageLimits.maxBytes,
    router,
    forConnection(
      principal: Principal = { subject: 'alice', sessionId: undefined, claims: {}, issuedAt: 0 },
    ) {
      let outcome: FrameOutcome | undefined;
      const connection = router.connect({
        principal,
        context: undefined,
        send: (text) => {
          outcome = { ok: false, action: 'reply', reply: JSON.parse(text) as Record<string, unknown> };
        },
        close: (closeCode, reason) => {
          outcome = { ok: false, action: 'close', closeCode, reason };
        },
        report: () => undefined,
      });
      return {
        check(data: RawFrame, isBinary: boolean): FrameOutcome {
          outcome = undefined;
          handled = undefined;
          connection.receive(data, isBinary);
          if (outcome !== undefined) return outcome;
          return { ok: true, message: handled };
        },
      };
    },
  };
}

/** The error frame of the type envelope for a {@link messageError}. */
export function errorFrame(
  code: string,
  message: string,
  issues?: readonly { path: string; message: string }[],
) {
  return { type: 'error', ...messageError(code, message, issues) };
}
