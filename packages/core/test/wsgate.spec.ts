import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createOriginPolicy,
  createTicketService,
  createTransportPolicy,
  createWsGate,
  jsonSchemaValidator,
  ticketKey,
  typeEnvelope,
  WsGateConfigError,
  type WsGate,
  type WsGateOptions,
} from '../src/index.js';
import { handshake, RecordingStore } from './helpers.js';

const APP = 'https://app.example.com';

const gates: WsGate[] = [];
afterEach(async () => {
  await Promise.all(gates.splice(0).map((gate) => gate.tickets.close()));
});

function gateWith(store = new RecordingStore(), options: Partial<WsGateOptions> = {}) {
  const gate = createWsGate({ tickets: { store }, origins: { allow: APP }, ...options });
  gates.push(gate);
  return { gate, store };
}

describe('createWsGate options', () => {
  it.each<[string, unknown]>([
    ['no options', undefined],
    ['missing origins', {}],
    ['an empty allowlist', { origins: { allow: [] } }],
    ['a bad refusal mode', { origins: { allow: APP }, refusal: 'silent' }],
    ['a bad ticket ttl', { origins: { allow: APP }, tickets: { ttlMs: 0 } }],
    ['a bad trustProxy', { origins: { allow: APP }, transport: { trustProxy: -1 } }],
    ['an empty queryParam', { origins: { allow: APP }, queryParam: '' }],
    ['bad ticketSources', { origins: { allow: APP }, ticketSources: [] }],
    ['bad message limits', { origins: { allow: APP }, messages: { maxBytes: 0 } }],
    ['a bad upgrade timeout', { origins: { allow: APP }, upgradeTimeoutMs: 0 }],
    ['a bad ticket rate limit', { origins: { allow: APP }, ticketRequests: { rateLimit: { max: 0 } } }],
    ['a limiter without consume', { origins: { allow: APP }, ticketRequests: { limiter: {} } }],
    ['a non-function session check', { origins: { allow: APP }, isSessionActive: true }],
  ])('throws WsGateConfigError for %s', (_label, options) => {
    expect(() => createWsGate(options as WsGateOptions)).toThrow(WsGateConfigError);
  });

  it('defaults and freezes the gate', () => {
    const { gate } = gateWith();
    expect(gate.refusal).toBe('http');
    expect(gate.queryParam).toBe('ticket');
    expect(gate.messageLimits).toMatchObject({
      maxBytes: 16_384,
      rateLimit: { burst: 40, perSecond: 20 },
      maxDepth: 32,
    });
    expect(gate.upgradeTimeoutMs).toBe(10_000);
    expect(gate.transport.requireSecure).toBe(false);
    expect(Object.isFrozen(gate)).toBe(true);
  });

  it('takes compiled services as they are', () => {
    const tickets = createTicketService({ store: new RecordingStore() });
    const origins = createOriginPolicy({ allow: APP });
    const transport = createTransportPolicy({ requireSecure: true });
    const gate = createWsGate({ tickets, origins, transport, refusal: 'close-frame', queryParam: 't' });
    gates.push(gate);
    expect(gate.tickets).toBe(tickets);
    expect(gate.origins).toBe(origins);
    expect(gate.transport).toBe(transport);
    expect(gate.refusal).toBe('close-frame');
    expect(gate.queryParam).toBe('t');
  });

  it('builds routers over its message limits', () => {
    const { gate } = gateWith(new RecordingStore(), { messages: { maxBytes: 512 } });
    expect(gate.messageLimits.maxBytes).toBe(512);
    const handled: unknown[] = [];
    const router = gate.createRouter(
      {
        ping: {
          validator: jsonSchemaValidator(Type.Object({ type: Type.Literal('ping') })),
          handle: (message: unknown) => handled.push(message),
        },
      },
      typeEnvelope,
    );
    const sent: string[] = [];
    const closes: number[] = [];
    const connection = router.connect({
      principal: { subject: 'alice', sessionId: undefined, claims: {}, issuedAt: 0 },
      context: undefined,
      send: (text) => sent.push(text),
      close: (code) => closes.push(code),
      report: () => undefined,
    });
    connection.receive('{"type":"ping"}', false);
    expect(handled).toEqual([{ type: 'ping' }]);
    connection.receive(`{"type":"ping","pad":"${'x'.repeat(512)}"}`, false);
    expect(closes).toEqual([1009]);
    expect(gate.wsServerOptions()).toMatchObject({ maxPayload: 512, perMessageDeflate: false });
  });
});

describe('answers for transports that refuse in HTTP only', () => {
  it("answers in HTTP when asked, whatever the gate's refusal mode", async () => {
    const { gate } = gateWith(new RecordingStore(), { refusal: 'close-frame' });
    const refused = await gate.authorizeUpgrade(handshake({ headers: { origin: APP } }));
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(gate.answerRefusal(refused)).toMatchObject({ kind: 'close', closeCode: 4401 });
    expect(gate.answerRefusal(refused, 'http')).toMatchObject({
      kind: 'http',
      status: 401,
      body: { error: 'TICKET_MISSING' },
      audit: { event: 'wsgate.upgrade_refused' },
    });
  });

  it('tells transports with their own heartbeat the interval to use', () => {
    expect(gateWith().gate.supervisor.heartbeatIntervalMs).toBe(30_000);
    const { gate } = gateWith(new RecordingStore(), { supervision: { heartbeatIntervalMs: 0 } });
    expect(gate.supervisor.heartbeatIntervalMs).toBe(0);
  });

  it('checks later requests of a session against its binding', () => {
    const { gate } = gateWith();
    const request = handshake({ url: '/socket.io/?EIO=4&transport=polling&sid=x', headers: { origin: APP } });
    const bound = { clientIp: '127.0.0.1', origin: APP };
    expect(gate.authorizeSessionRequest(request, bound, { websocket: false })).toEqual({
      ok: true,
      clientIp: '127.0.0.1',
    });
    expect(
      gate.authorizeSessionRequest({ ...request, remoteAddress: '127.0.0.5' }, bound, { websocket: false }),
    ).toMatchObject({ status: 401, reason: 'session_address_mismatch' });
  });
});

describe('precheckTicketRequest', () => {
  it('admits an allowed or missing Origin and refuses a foreign one, touching no store', () => {
    const { gate, store } = gateWith();
    expect(gate.precheckTicketRequest(handshake({ headers: { origin: 'HTTPS://APP.example.com' } }))).toEqual(
      { ok: true, origin: APP },
    );
    expect(gate.precheckTicketRequest(handshake())).toEqual({ ok: true, origin: undefined });
    expect(gate.precheckTicketRequest(handshake({ headers: { origin: 'https://evil.example' } }))).toEqual({
      ok: false,
      status: 403,
      code: 'ORIGIN_NOT_ALLOWED',
    });
    expect(store.puts).toHaveLength(0);
  });

  it('refuses an insecure request when wss is required', () => {
    const { gate } = gateWith(new RecordingStore(), { transport: { requireSecure: true } });
    expect(gate.precheckTicketRequest(handshake({ headers: { origin: APP } }))).toEqual({
      ok: false,
      status: 403,
      code: 'INSECURE_TRANSPORT',
    });
    expect(gate.precheckTicketRequest(handshake({ headers: { origin: APP }, encrypted: true }))).toEqual({
      ok: true,
      origin: APP,
    });
  });
});

describe('isSessionActive', () => {
  it('is passed to the authorizer', async () => {
    const ended = new Set<string>();
    const { gate } = gateWith(new RecordingStore(), {
      isSessionActive: (principal) => principal.sessionId === undefined || !ended.has(principal.sessionId),
    });
    const issued = await gate.issueForRequest(handshake({ headers: { origin: APP } }), {
      subject: 'alice',
      sessionId: 's-1',
    });
    if (!issued.ok) throw new TypeError('expected a ticket');
    ended.add('s-1');
    expect(
      await gate.authorizer.authorize(
        handshake({ url: `/ws?ticket=${issued.ticket}`, headers: { origin: APP } }),
      ),
    ).toMatchObject({
      ok: false,
      code: 'TICKET_INVALID',
      reason: 'session_ended',
    });
  });
});

describe('issueForRequest', () => {
  it('refuses a foreign Origin with 403 and issues nothing', async () => {
    const { gate, store } = gateWith();
    const result = await gate.issueForRequest(handshake({ headers: { origin: 'https://evil.example' } }), {
      subject: 'alice',
    });
    expect(result).toEqual({ ok: false, status: 403, code: 'ORIGIN_NOT_ALLOWED' });
    expect(store.puts).toHaveLength(0);
    expect(store.inner.size).toBe(0);
  });

  it('refuses an insecure request with 403 when wss is required', async () => {
    const { gate, store } = gateWith(new RecordingStore(), { transport: { requireSecure: true } });
    const result = await gate.issueForRequest(handshake({ headers: { origin: APP } }), { subject: 'alice' });
    expect(result).toEqual({ ok: false, status: 403, code: 'INSECURE_TRANSPORT' });
    expect(store.puts).toHaveLength(0);
  });

  it('binds the ticket to the client address and the normalised Origin', async () => {
    const { gate, store } = gateWith();
    const result = await gate.issueForRequest(
      handshake({ remoteAddress: '::ffff:127.0.0.1', headers: { origin: 'HTTPS://APP.example.com:443' } }),
      { subject: 'alice', sessionId: 's-1', claims: { role: 'member' } },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.puts).toHaveLength(1);
    expect(store.puts[0]!.key).toBe(ticketKey(result.ticket));
    expect(store.puts[0]!.record).toMatchObject({
      subject: 'alice',
      sessionId: 's-1',
      ip: '127.0.0.1',
      origin: APP,
      claims: { role: 'member' },
    });

    // The ticket works through the gate's own authorizer, from the same place only.
    const elsewhere = await gate.authorizer.authorize(
      handshake({
        url: `/ws?ticket=${result.ticket}`,
        remoteAddress: '198.51.100.1',
        headers: { origin: APP },
      }),
    );
    expect(elsewhere).toMatchObject({ ok: false, reason: 'ip_mismatch' });
  });

  it('issues a ticket that the authorizer accepts from the same client', async () => {
    const { gate } = gateWith();
    const issued = await gate.issueForRequest(handshake({ headers: { origin: APP } }), { subject: 'alice' });
    if (!issued.ok) throw new TypeError('expected a ticket');
    const accepted = await gate.authorizer.authorize(
      handshake({ url: `/ws?ticket=${issued.ticket}`, headers: { origin: APP } }),
    );
    expect(accepted).toMatchObject({
      ok: true,
      principal: { subject: 'alice' },
      clientIp: '127.0.0.1',
      origin: APP,
    });
  });

  it('resolves the client address through trusted proxies', async () => {
    const { gate, store } = gateWith(new RecordingStore(), { transport: { trustProxy: 'loopback' } });
    await gate.issueForRequest(handshake({ headers: { origin: APP, 'x-forwarded-for': '198.51.100.9' } }), {
      subject: 'alice',
    });
    expect(store.puts[0]!.record.ip).toBe('198.51.100.9');
  });

  it('issues an unbound-origin ticket to a request without Origin', async () => {
    const { gate, store } = gateWith();
    const result = await gate.issueForRequest(handshake(), { subject: 'alice' });
    expect(result.ok).toBe(true);
    expect(store.puts[0]!.record.origin).toBeUndefined();
  });
});
