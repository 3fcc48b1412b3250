import { afterEach, describe, expect, it } from 'vitest';
import {
  CloseCode,
  createHandshakeAuthorizer,
  createOriginPolicy,
  createTicketService,
  createTransportPolicy,
  HANDSHAKE_REFUSALS,
  handshakeRefusal,
  TicketStoreUnavailableError,
  WsGateConfigError,
  type HandshakeAuthorizerOptions,
  type HandshakeRequest,
  type OriginPolicyOptions,
  type TicketService,
  type TicketServiceOptions,
  type TicketStore,
  type TransportPolicy,
  type TransportPolicyOptions,
} from '../src/index.js';
import { FailingStore, fakeClock, handshake, RecordingStore } from './helpers.js';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
const CLIENT = '127.0.0.1';

interface SetupOptions {
  tickets?: TicketServiceOptions;
  origins?: Partial<OriginPolicyOptions>;
  transport?: TransportPolicyOptions;
  store?: TicketStore;
}

const services: TicketService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

function setup(options: SetupOptions = {}) {
  const time = fakeClock();
  const store = new RecordingStore(time.clock);
  const tickets = createTicketService({
    store: options.store ?? store,
    clock: time.clock,
    ttlMs: 30_000,
    ...options.tickets,
  });
  services.push(tickets);
  const authorizer = createHandshakeAuthorizer({
    tickets,
    origins: createOriginPolicy({ allow: [APP, ADMIN], ...options.origins }),
    transport: createTransportPolicy(options.transport),
  });
  const issue = async (origin: string | undefined = APP) =>
    (await tickets.issue({ subject: 'alice', sessionId: 's-1', ip: CLIENT, origin })).ticket;
  const request = (
    overrides: {
      url?: string;
      origin?: string | undefined;
      protocols?: string;
    } & Partial<HandshakeRequest> = {},
  ) => {
    const { url = '/ws', origin: _origin, protocols, ...rest } = overrides;
    // An explicit `origin: undefined` means "no Origin header".
    const origin = 'origin' in overrides ? overrides.origin : APP;
    const headers: Record<string, string> = {};
    if (origin !== undefined) headers['origin'] = origin;
    if (protocols !== undefined) headers['sec-websocket-protocol'] = protocols;
    return handshake({ url, headers, remoteAddress: CLIENT, ...rest });
  };
  return { time, store, tickets, authorizer, issue, request };
}

describe('accepted handshakes', () => {
  it('accepts a query ticket and returns principal, protocol, clientIp and origin', async () => {
    const { authorizer, issue, request, time } = setup();
    const issuedAt = time.now;
    const ticket = await issue();
    const result = await authorizer.authorize(
      request({ url: `/ws?ticket=${ticket}`, remoteAddress: '::ffff:127.0.0.1' }),
    );
    expect(result).toEqual({
      ok: true,
      principal: { subject: 'alice', sessionId: 's-1', claims: {}, issuedAt },
      protocol: undefined,
      clientIp: CLIENT,
      origin: APP,
    });
  });

  it("accepts a subprotocol ticket and selects 'wsgate'", async () => {
    const { authorizer, issue, request } = setup();
    const ticket = await issue();
    const result = await authorizer.authorize(request({ protocols: `wsgate, wsgate.ticket.${ticket}` }));
    expect(result).toMatchObject({ ok: true, protocol: 'wsgate', principal: { subject: 'alice' } });
  });

  it('accepts only once', async () => {
    const { authorizer, issue, request } = setup();
    const ticket = await issue();
    expect(await authorizer.authorize(request({ url: `/ws?ticket=${ticket}` }))).toMatchObject({ ok: true });
    expect(await authorizer.authorize(request({ url: `/ws?ticket=${ticket}` }))).toMatchObject({
      ok: false,
      code: 'TICKET_INVALID',
      reason: 'unknown',
    });
  });
});

describe('refusals', () => {
  it('refuses a plain connection with INSECURE_TRANSPORT 403 when wss is required, without consuming the ticket', async () => {
    const { authorizer, issue, request, store } = setup({ transport: { requireSecure: true } });
    const ticket = await issue();
    expect(await authorizer.authorize(request({ url: `/ws?ticket=${ticket}` }))).toEqual({
      ok: false,
      status: 403,
      code: 'INSECURE_TRANSPORT',
      closeCode: 4403,
      reason: 'insecure',
      clientIp: CLIENT,
    });
    expect(store.takes).toHaveLength(0);
    expect(
      await authorizer.authorize(request({ url: `/ws?ticket=${ticket}`, encrypted: true })),
    ).toMatchObject({ ok: true });
  });

  it('refuses a foreign Origin with ORIGIN_NOT_ALLOWED 403 without consuming the ticket', async () => {
    const { authorizer, issue, request, store } = setup();
    const ticket = await issue();
    expect(
      await authorizer.authorize(request({ url: `/ws?ticket=${ticket}`, origin: 'https://evil.example' })),
    ).toEqual({
      ok: false,
      status: 403,
      code: 'ORIGIN_NOT_ALLOWED',
      closeCode: 4403,
      reason: 'origin_not_allowed',
      clientIp: CLIENT,
      origin: 'https://evil.example',
    });
    expect(store.takes).toHaveLength(0);
    expect(await authorizer.authorize(request({ url: `/ws?ticket=${ticket}` }))).toMatchObject({ ok: true });
  });

  it.each([
    ['null', 'origin_null'],
    ['https://app.example.com/', 'origin_malformed'],
  ])('refuses Origin %s with reason %s', async (origin, reason) => {
    const { authorizer, request } = setup();
    expect(await authorizer.authorize(request({ origin }))).toMatchObject({
      ok: false,
      code: 'ORIGIN_NOT_ALLOWED',
      status: 403,
      reason,
    });
  });

  it('carries a refused Origin for the log cut to 256 characters, so a client cannot flood the log', async () => {
    const { authorizer, request } = setup();
    const huge = `https://${'a'.repeat(5000)}.example`;
    const refused = await authorizer.authorize(request({ origin: huge }));
    expect(refused).toMatchObject({
      ok: false,
      code: 'ORIGIN_NOT_ALLOWED',
      origin: `${huge.slice(0, 256)}…`,
    });
  });

  it('refuses a missing Origin when allowMissing is false', async () => {
    const { authorizer, request } = setup({ origins: { allowMissing: false } });
    expect(await authorizer.authorize(request({ origin: undefined }))).toMatchObject({
      ok: false,
      code: 'ORIGIN_NOT_ALLOWED',
      reason: 'origin_missing',
    });
  });

  it('refuses a handshake without a ticket with TICKET_MISSING 401', async () => {
    const { authorizer, request } = setup();
    expect(await authorizer.authorize(request())).toEqual({
      ok: false,
      status: 401,
      code: 'TICKET_MISSING',
      closeCode: 4401,
      reason: 'missing',
      clientIp: CLIENT,
    });
    expect(await authorizer.authorize(request({ url: '/ws?ticket=' }))).toMatchObject({
      code: 'TICKET_MISSING',
      status: 401,
    });
  });

  it('refuses a malformed ticket with TICKET_INVALID 401 without touching the store', async () => {
    const { authorizer, request, store } = setup();
    expect(await authorizer.authorize(request({ url: '/ws?ticket=short' }))).toEqual({
      ok: false,
      status: 401,
      code: 'TICKET_INVALID',
      closeCode: 4401,
      reason: 'malformed',
      clientIp: CLIENT,
    });
    expect(store.takes).toHaveLength(0);
  });

  it('refuses an unknown ticket with TICKET_INVALID', async () => {
    const { authorizer, request } = setup();
    expect(await authorizer.authorize(request({ url: `/ws?ticket=${'Z'.repeat(43)}` }))).toMatchObject({
      status: 401,
      code: 'TICKET_INVALID',
      reason: 'unknown',
    });
  });

  it('refuses an expired ticket with TICKET_INVALID', async () => {
    const { authorizer, issue, request, time } = setup();
    const ticket = await issue();
    time.advance(30_000);
    expect(await authorizer.authorize(request({ url: `/ws?ticket=${ticket}` }))).toMatchObject({
      status: 401,
      code: 'TICKET_INVALID',
      reason: 'expired',
    });
  });

  it('refuses two tickets with TICKET_INVALID (duplicate) without consuming either', async () => {
    const { authorizer, issue, request, store } = setup();
    const first = await issue();
    const second = await issue();
    expect(
      await authorizer.authorize(
        request({ url: `/ws?ticket=${first}`, protocols: `wsgate, wsgate.ticket.${second}` }),
      ),
    ).toMatchObject({
      status: 401,
      code: 'TICKET_INVALID',
      reason: 'duplicate',
    });
    expect(store.takes).toHaveLength(0);
  });

  it('refuses a subprotocol ticket without wsgate with TICKET_INVALID (bad_request)', async () => {
    const { authorizer, issue, request } = setup();
    const ticket = await issue();
    expect(await authorizer.authorize(request({ protocols: `chat, wsgate.ticket.${ticket}` }))).toMatchObject(
      {
        status: 401,
        code: 'TICKET_INVALID',
        reason: 'bad_request',
      },
    );
  });

  it('refuses a ticket from another address with TICKET_INVALID (ip_mismatch)', async () => {
    const { authorizer, issue, request } = setup();
    const ticket = await issue();
    expect(
      await authorizer.authorize(request({ url: `/ws?ticket=${ticket}`, remoteAddress: '198.51.100.7' })),
    ).toEqual({
      ok: false,
      status: 401,
      code: 'TICKET_INVALID',
      closeCode: 4401,
      reason: 'ip_mismatch',
      clientIp: '198.51.100.7',
    });
  });

  it('refuses a ticket from another allowed origin with TICKET_INVALID (origin_mismatch)', async () => {
    const { authorizer, issue, request } = setup();
    const ticket = await issue(APP);
    expect(await authorizer.authorize(request({ url: `/ws?ticket=${ticket}`, origin: ADMIN }))).toMatchObject(
      {
        status: 401,
        code: 'TICKET_INVALID',
        reason: 'origin_mismatch',
      },
    );
  });

  it('answers SERVICE_UNAVAILABLE 503 when the store fails, and never rejects', async () => {
    const { authorizer, request } = setup({ store: new FailingStore(new TicketStoreUnavailableError()) });
    const result = authorizer.authorize(request({ url: `/ws?ticket=${'Z'.repeat(43)}` }));
    await expect(result).resolves.toEqual({
      ok: false,
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      closeCode: 1013,
      reason: 'store_unavailable',
      clientIp: CLIENT,
    });
  });

  it('answers SERVICE_UNAVAILABLE (internal_error) for an unexpected fault', async () => {
    const { authorizer, request } = setup({ store: new FailingStore(new TypeError('bug')) });
    await expect(
      authorizer.authorize(request({ url: `/ws?ticket=${'Z'.repeat(43)}` })),
    ).resolves.toMatchObject({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      reason: 'internal_error',
    });
  });
});

describe('isSessionActive', () => {
  function withSessionCheck(isSessionActive: HandshakeAuthorizerOptions['isSessionActive']) {
    const base = setup();
    const authorizer = createHandshakeAuthorizer({
      tickets: base.tickets,
      origins: createOriginPolicy({ allow: APP }),
      transport: createTransportPolicy(),
      isSessionActive,
    });
    return { ...base, authorizer };
  }

  it('accepts when the session is still active, and sees the principal', async () => {
    const seen: unknown[] = [];
    const { authorizer, issue, request } = withSessionCheck(async (principal) => {
      seen.push(principal);
      return true;
    });
    const ticket = await issue();
    expect(await authorizer.authorize(request({ url: `/ws?ticket=${ticket}` }))).toMatchObject({ ok: true });
    expect(seen).toEqual([expect.objectContaining({ subject: 'alice', sessionId: 's-1' })]);
  });

  it('refuses a ticket whose session ended with TICKET_INVALID (session_ended), and burns it', async () => {
    let active = false;
    const { authorizer, issue, request, tickets } = withSessionCheck(() => active);
    const ticket = await issue();
    expect(await authorizer.authorize(request({ url: `/ws?ticket=${ticket}` }))).toEqual({
      ok: false,
      status: 401,
      code: 'TICKET_INVALID',
      closeCode: 4401,
      reason: 'session_ended',
      clientIp: CLIENT,
    });
    active = true;
    expect(await tickets.redeem(ticket, { ip: CLIENT, origin: APP })).toEqual({
      ok: false,
      reason: 'unknown',
    });
  });

  it('answers 503 when the session check throws or rejects', async () => {
    const throwing = withSessionCheck(() => {
      throw new TypeError('session store down');
    });
    expect(
      await throwing.authorizer.authorize(throwing.request({ url: `/ws?ticket=${await throwing.issue()}` })),
    ).toMatchObject({
      ok: false,
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
    const rejecting = withSessionCheck(() => Promise.reject(new TicketStoreUnavailableError()));
    expect(
      await rejecting.authorizer.authorize(
        rejecting.request({ url: `/ws?ticket=${await rejecting.issue()}` }),
      ),
    ).toMatchObject({
      ok: false,
      status: 503,
      reason: 'store_unavailable',
    });
  });

  it('is not asked about refused tickets', async () => {
    let calls = 0;
    const { authorizer, request } = withSessionCheck(() => {
      calls += 1;
      return true;
    });
    await authorizer.authorize(request({ url: `/ws?ticket=${'Z'.repeat(43)}` }));
    expect(calls).toBe(0);
  });
});

describe('refusal table', () => {
  it('maps each code to its status and close code', () => {
    expect(HANDSHAKE_REFUSALS).toMatchObject({
      INSECURE_TRANSPORT: { status: 403, closeCode: 4403 },
      ORIGIN_NOT_ALLOWED: { status: 403, closeCode: 4403 },
      TICKET_MISSING: { status: 401, closeCode: 4401 },
      TICKET_INVALID: { status: 401, closeCode: 4401 },
      SERVICE_UNAVAILABLE: { status: 503, closeCode: 1013 },
    });
    expect(HANDSHAKE_REFUSALS.TICKET_INVALID.closeCode).toBe(CloseCode.Unauthorized);
    expect(HANDSHAKE_REFUSALS.ORIGIN_NOT_ALLOWED.closeCode).toBe(CloseCode.Forbidden);
    expect(HANDSHAKE_REFUSALS.SERVICE_UNAVAILABLE.closeCode).toBe(CloseCode.TryAgainLater);
    expect(Object.isFrozen(HANDSHAKE_REFUSALS)).toBe(true);
  });
});

describe('robustness', () => {
  it('never throws, even if a policy does', async () => {
    const throwing: TransportPolicy = {
      requireSecure: false,
      isSecure: () => false,
      clientIp: () => {
        throw new TypeError('boom');
      },
    };
    const tickets = createTicketService({ bindIp: false });
    services.push(tickets);
    const authorizer = createHandshakeAuthorizer({
      tickets,
      origins: createOriginPolicy({ allow: APP }),
      transport: throwing,
    });
    expect(() => authorizer.inspect(handshake())).not.toThrow();
    await expect(authorizer.authorize(handshake())).resolves.toMatchObject({
      ok: false,
      reason: 'bad_request',
    });
  });
});

describe('options', () => {
  const tickets = createTicketService({ bindIp: false, store: new RecordingStore() });
  const origins = createOriginPolicy({ allow: APP });
  const transport = createTransportPolicy();

  it.each<[string, Partial<HandshakeAuthorizerOptions>]>([
    ['missing tickets', { tickets: undefined }],
    ['missing origins', { origins: undefined }],
    ['missing transport', { transport: undefined }],
    ['empty ticketSources', { ticketSources: [] }],
    ['unknown ticketSource', { ticketSources: ['cookie' as never] }],
    ['empty queryParam', { queryParam: '' }],
    ['a non-function isSessionActive', { isSessionActive: true as never }],
  ])('throws WsGateConfigError for %s', (_label, overrides) => {
    expect(() =>
      createHandshakeAuthorizer({ tickets, origins, transport, ...overrides } as HandshakeAuthorizerOptions),
    ).toThrow(WsGateConfigError);
  });

  it('honours ticketSources and queryParam', async () => {
    const { tickets: service, issue, request } = setup();
    const queryOnly = createHandshakeAuthorizer({
      tickets: service,
      origins,
      transport,
      ticketSources: ['subprotocol'],
      queryParam: 't',
    });
    const ticket = await issue();
    expect(await queryOnly.authorize(request({ url: `/ws?t=${ticket}` }))).toMatchObject({
      code: 'TICKET_MISSING',
    });
    const custom = createHandshakeAuthorizer({ tickets: service, origins, transport, queryParam: 't' });
    expect(await custom.authorize(request({ url: `/ws?t=${ticket}` }))).toMatchObject({ ok: true });
  });
});

describe('handshakes that ws itself would refuse', () => {
  const badHandshakes: readonly [
    string,
    (ticket: string) => Partial<HandshakeRequest> & { headers?: Record<string, string> },
    number,
  ][] = [
    [
      'Sec-WebSocket-Key twice',
      () => ({ headers: { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ==' } }),
      400,
    ],
    ['no Sec-WebSocket-Key', () => ({ headers: { 'sec-websocket-key': '' } }), 400],
    ['Upgrade: h2c', () => ({ headers: { upgrade: 'h2c' } }), 400],
    ['Sec-WebSocket-Version: 12', () => ({ headers: { 'sec-websocket-version': '12' } }), 400],
    ['Sec-WebSocket-Version twice', () => ({ headers: { 'sec-websocket-version': '13, 13' } }), 400],
    [
      'wsgate offered twice',
      (ticket) => ({ headers: { 'sec-websocket-protocol': `wsgate, wsgate, wsgate.ticket.${ticket}` } }),
      400,
    ],
    [
      'an empty subprotocol entry',
      (ticket) => ({ headers: { 'sec-websocket-protocol': `wsgate,, wsgate.ticket.${ticket}` } }),
      400,
    ],
    [
      'a subprotocol that is not a token',
      (ticket) => ({ headers: { 'sec-websocket-protocol': `wsgate, wsgate.ticket.${ticket}, a b` } }),
      400,
    ],
    ['POST', () => ({ method: 'POST' }), 405],
  ];

  it.each(badHandshakes)(
    'refuses %s with %i before the ticket is looked at, and the ticket stays valid',
    async (_name, mutate, status) => {
      const { authorizer, issue, request, store } = setup();
      const ticket = await issue();
      const { headers: extraHeaders, ...rest } = mutate(ticket);
      const good = request({ url: `/ws?ticket=${ticket}` });
      const bad = { ...good, ...rest, headers: { ...good.headers, ...extraHeaders } };
      const refused = await authorizer.authorize(bad);
      expect(refused).toMatchObject({
        ok: false,
        status,
        code: status === 405 ? 'METHOD_NOT_ALLOWED' : 'BAD_HANDSHAKE',
      });
      expect(store.takes).toEqual([]);
      expect(await authorizer.authorize(good)).toMatchObject({ ok: true, principal: { subject: 'alice' } });
    },
  );

  it('skips the syntax check for a plain HTTP session request ({ websocket: false })', async () => {
    const { authorizer, issue, request } = setup();
    const ticket = await issue();
    const polling = {
      ...request({ url: `/socket.io/?EIO=4&transport=polling&ticket=${ticket}` }),
      headers: { origin: APP },
    };
    expect(await authorizer.authorize(polling)).toMatchObject({ ok: false, code: 'BAD_HANDSHAKE' });
    expect(await authorizer.authorize(polling, { websocket: false })).toMatchObject({ ok: true });
  });
});

describe('later requests of a session (authorizeSessionRequest)', () => {
  const binding = { clientIp: CLIENT, origin: APP };
  const pollingRequest = (overrides: Partial<HandshakeRequest> = {}) =>
    handshake({
      url: '/socket.io/?EIO=4&transport=polling&sid=abc',
      headers: { origin: APP, upgrade: undefined, 'sec-websocket-key': undefined },
      remoteAddress: CLIENT,
      ...overrides,
    } as Partial<HandshakeRequest>);

  it('accepts a request from the address and Origin that redeemed the ticket', () => {
    const { authorizer } = setup();
    expect(authorizer.authorizeSessionRequest(pollingRequest(), binding, { websocket: false })).toEqual({
      ok: true,
      clientIp: CLIENT,
    });
  });

  it('accepts a request without Origin (browsers omit it on same-origin GET)', () => {
    const { authorizer } = setup();
    const request = pollingRequest({ headers: {} });
    expect(authorizer.authorizeSessionRequest(request, binding, { websocket: false })).toMatchObject({
      ok: true,
    });
  });

  it.each([
    ['an unknown session', undefined, {}, 'session_unknown'],
    ['another address', binding, { remoteAddress: '127.0.0.2' }, 'session_address_mismatch'],
    ['another allowed Origin', binding, { headers: { origin: ADMIN } }, 'session_origin_mismatch'],
  ] as const)('refuses %s with TICKET_INVALID 401', (_name, bound, overrides, reason) => {
    const { authorizer } = setup();
    const refused = authorizer.authorizeSessionRequest(pollingRequest(overrides), bound, {
      websocket: false,
    });
    expect(refused).toMatchObject({ ok: false, status: 401, code: 'TICKET_INVALID', reason });
  });

  it('refuses a foreign Origin with ORIGIN_NOT_ALLOWED 403, as a handshake', () => {
    const { authorizer } = setup();
    const refused = authorizer.authorizeSessionRequest(
      pollingRequest({ headers: { origin: 'https://evil.example.net' } }),
      binding,
      { websocket: false },
    );
    expect(refused).toMatchObject({ ok: false, status: 403, code: 'ORIGIN_NOT_ALLOWED' });
  });

  it('checks the syntax of a WebSocket upgrade of the session first', () => {
    const { authorizer } = setup();
    const upgrade = handshake({
      url: '/socket.io/?EIO=4&transport=websocket&sid=abc',
      remoteAddress: CLIENT,
    });
    expect(authorizer.authorizeSessionRequest(upgrade, binding)).toMatchObject({ ok: true });
    const broken = { ...upgrade, headers: { ...upgrade.headers, 'sec-websocket-version': '12' } };
    expect(authorizer.authorizeSessionRequest(broken, binding)).toMatchObject({
      ok: false,
      status: 400,
      code: 'BAD_HANDSHAKE',
    });
  });

  it('counts refused session requests toward the brute-force limit of the address', async () => {
    const { tickets } = setup();
    const authorizer = createHandshakeAuthorizer({
      tickets,
      origins: createOriginPolicy({ allow: [APP] }),
      transport: createTransportPolicy(),
      bruteForce: { maxRefusals: 2, windowMs: 60_000 },
    });
    const stranger = pollingRequest({ remoteAddress: '127.0.0.9' });
    for (let attempt = 0; attempt < 2; attempt += 1)
      expect(authorizer.authorizeSessionRequest(stranger, binding, { websocket: false })).toMatchObject({
        code: 'TICKET_INVALID',
      });
    expect(authorizer.authorizeSessionRequest(stranger, binding, { websocket: false })).toMatchObject({
      status: 429,
      code: 'TOO_MANY_REFUSALS',
    });
    // The session's own address is not affected.
    expect(authorizer.authorizeSessionRequest(pollingRequest(), binding, { websocket: false })).toMatchObject(
      {
        ok: true,
      },
    );
  });

  it('builds refusals from the table (handshakeRefusal)', () => {
    expect(handshakeRefusal('BAD_HANDSHAKE', 'transport_not_allowed', CLIENT)).toEqual({
      ok: false,
      status: 400,
      code: 'BAD_HANDSHAKE',
      closeCode: HANDSHAKE_REFUSALS.BAD_HANDSHAKE.closeCode,
      reason: 'transport_not_allowed',
      clientIp: CLIENT,
    });
  });
});
