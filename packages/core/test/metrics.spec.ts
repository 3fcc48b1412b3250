// Metrics through a real OpenTelemetry SDK MeterProvider: every instrument counts exactly what
// happened, whatever adapter drives the gate, and nothing is recorded without a meter.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTicketService,
  createWsGate,
  typeEnvelope,
  WsGateConfigError,
  type GatedConnection,
  type UpgradeAcceptance,
  type WsGate,
  type WsGateOptions,
} from '../src/index.js';
import { FailingStore, handshake, RecordingStore } from './helpers.js';
import { testMeter } from './metric-reader.js';
import { TicketStoreUnavailableError } from '../src/index.js';

const APP = 'https://app.example.com';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function meteredGate(options: Partial<WsGateOptions> = {}) {
  const metrics = testMeter();
  const gate = createWsGate({
    origins: { allow: APP },
    tickets: { store: new RecordingStore() },
    meter: metrics.meter,
    ...options,
  });
  cleanups.push(async () => {
    await gate.tickets.close();
    await metrics.shutdown();
  });
  return { gate, metrics };
}

function fakeConnection(): GatedConnection & { closes: number[] } {
  const closes: number[] = [];
  return { closes, close: (code?: number) => void closes.push(code ?? 0), terminate: () => undefined };
}

async function upgrade(gate: WsGate, ticket: string | undefined) {
  return gate.authorizeUpgrade(
    handshake({ url: ticket === undefined ? '/ws' : `/ws?ticket=${ticket}`, headers: { origin: APP } }),
  );
}

/** An admitted connection of `subject` (session `s-<subject>`). */
async function accept(gate: WsGate, subject: string) {
  const result = await upgrade(gate, await issue(gate, subject));
  if (!result.ok) throw new Error(`expected an acceptance, got ${result.reason}`);
  const connection = fakeConnection();
  gate.admit(result, connection, () => undefined);
  return connection;
}

async function issue(gate: WsGate, subject = 'alice'): Promise<string> {
  return (await gate.tickets.issue({ subject, sessionId: `s-${subject}`, ip: '127.0.0.1', origin: APP }))
    .ticket;
}

describe('gate metrics', () => {
  it('counts upgrades accepted and refused (by code and reason), tickets, closes and open connections', async () => {
    const { gate, metrics } = meteredGate({ adapter: 'test-adapter' });
    const tickets = [await issue(gate), await issue(gate), await issue(gate, 'bob')];
    const admitted = [];
    for (const ticket of tickets) {
      const result = await upgrade(gate, ticket);
      if (!result.ok) throw new Error(`expected an acceptance, got ${result.reason}`);
      admitted.push(gate.admit(result as UpgradeAcceptance, fakeConnection(), () => undefined));
    }
    // Refusals, each answered once as adapters do.
    for (const ticket of [tickets[0], tickets[1], undefined, 'not-a-ticket']) {
      const refused = await upgrade(gate, ticket);
      if (refused.ok) throw new Error('expected a refusal');
      gate.answerRefusal(refused);
    }
    const foreign = await gate.authorizeUpgrade(handshake({ headers: { origin: 'https://evil.example' } }));
    if (foreign.ok) throw new Error('expected a refusal');
    gate.answerRefusal(foreign);

    expect(await metrics.value('wsgate.upgrades.accepted')).toBe(3);
    const refused = (code: string, reason: string) =>
      metrics.value('wsgate.upgrades.refused', {
        'wsgate.refusal.code': code,
        'wsgate.refusal.reason': reason,
      });
    expect(await refused('TICKET_INVALID', 'unknown')).toBe(2);
    expect(await refused('TICKET_MISSING', 'missing')).toBe(1);
    expect(await refused('TICKET_INVALID', 'malformed')).toBe(1);
    expect(await refused('ORIGIN_NOT_ALLOWED', 'origin_not_allowed')).toBe(1);
    expect(await metrics.value('wsgate.tickets.issued')).toBe(3);
    expect(await metrics.value('wsgate.tickets.redeemed')).toBe(3);
    expect(await metrics.value('wsgate.tickets.refused', { 'wsgate.refusal.reason': 'unknown' })).toBe(2);
    expect(await metrics.value('wsgate.tickets.refused', { 'wsgate.refusal.reason': 'malformed' })).toBe(1);
    expect(await metrics.value('wsgate.connections.open', { 'wsgate.adapter': 'test-adapter' })).toBe(3);

    admitted[0]!.closed(1000);
    admitted[1]!.closed(4401);
    admitted[1]!.closed(4401); // closed() is idempotent: counted once
    expect(await metrics.value('wsgate.connections.closed', { 'wsgate.close.code': 1000 })).toBe(1);
    expect(await metrics.value('wsgate.connections.closed', { 'wsgate.close.code': 4401 })).toBe(1);
    expect(await metrics.value('wsgate.connections.open', { 'wsgate.adapter': 'test-adapter' })).toBe(1);
  });

  it('times every store operation by store and operation, with error.type on a failure', async () => {
    const { gate, metrics } = meteredGate();
    await upgrade(gate, await issue(gate));
    await upgrade(gate, await issue(gate));
    const store = (operation: string) => ({
      'wsgate.ticket_store.name': 'custom',
      'wsgate.ticket_store.operation': operation,
    });
    expect(await metrics.count('wsgate.ticket_store.operation.duration', store('put'))).toBe(2);
    expect(await metrics.count('wsgate.ticket_store.operation.duration', store('take'))).toBe(2);
    const [point] = (await metrics.points()).filter(
      (p) => p.name === 'wsgate.ticket_store.operation.duration',
    );
    expect(point?.unit).toBe('s');

    const failing = meteredGate({ tickets: { store: new FailingStore(new TicketStoreUnavailableError()) } });
    await expect(failing.gate.tickets.issue({ subject: 'a', ip: '127.0.0.1' })).rejects.toThrow();
    expect(
      await failing.metrics.count('wsgate.ticket_store.operation.duration', {
        ...store('put'),
        'error.type': 'WSGATE_STORE_UNAVAILABLE',
      }),
    ).toBe(1);
    expect(await failing.metrics.value('wsgate.tickets.issued')).toBe(0);
  });

  it('names the memory store by its name', async () => {
    const { gate, metrics } = meteredGate({ tickets: {} });
    await issue(gate);
    expect(
      await metrics.count('wsgate.ticket_store.operation.duration', {
        'wsgate.ticket_store.name': 'memory',
        'wsgate.ticket_store.operation': 'put',
      }),
    ).toBe(1);
  });

  it('counts refused messages by error code, and by close code for a frame that closes its socket', async () => {
    const { gate, metrics } = meteredGate();
    const router = gate.createRouter(
      {
        whoami: {
          schema: {
            type: 'object',
            properties: { type: { const: 'whoami' } },
            required: ['type'],
            additionalProperties: false,
          },
          handler: () => undefined,
        },
      },
      typeEnvelope,
    );
    const connection = router.connect({
      principal: { subject: 'alice', sessionId: undefined, claims: {}, issuedAt: 0 },
      context: undefined,
      send: () => undefined,
      close: () => undefined,
      report: () => undefined,
    });
    connection.receive('{', false);
    connection.receive('{"type":"nope"}', false);
    connection.receive('{"type":"whoami","extra":1}', false);
    connection.receive('{"type":"whoami"}', false);
    connection.receive(Buffer.from([1, 2]), true);
    expect(await metrics.value('wsgate.messages.refused', { 'wsgate.refusal.code': 'BAD_JSON' })).toBe(1);
    expect(
      await metrics.value('wsgate.messages.refused', { 'wsgate.refusal.code': 'VALIDATION_FAILED' }),
    ).toBe(2);
    expect(await metrics.value('wsgate.messages.refused', { 'wsgate.refusal.code': '1003' })).toBe(1);
  });

  it('counts refused ticket requests by code and status, and connections closed by revocations by kind', async () => {
    const { gate, metrics } = meteredGate();
    const request = handshake({ method: 'POST', url: '/ws-ticket', headers: { origin: APP } });
    expect((await gate.answerTicketRequest(request, () => null)).status).toBe(401);
    expect((await gate.answerTicketRequest(request, () => ({ subject: 'alice' }))).status).toBe(200);
    const foreign = handshake({
      method: 'POST',
      url: '/ws-ticket',
      headers: { origin: 'https://evil.example' },
    });
    expect((await gate.answerTicketRequest(foreign, () => ({ subject: 'alice' }))).status).toBe(403);
    expect(
      await metrics.value('wsgate.ticket_requests.refused', {
        'wsgate.refusal.code': 'UNAUTHENTICATED',
        'http.response.status_code': 401,
      }),
    ).toBe(1);
    expect(
      await metrics.value('wsgate.ticket_requests.refused', {
        'wsgate.refusal.code': 'ORIGIN_NOT_ALLOWED',
        'http.response.status_code': 403,
      }),
    ).toBe(1);
    expect(await metrics.value('wsgate.tickets.issued')).toBe(1);

    const alice = [await accept(gate, 'alice'), await accept(gate, 'alice')];
    const bob = await accept(gate, 'bob');
    expect(gate.registry.revokeSession('s-alice')).toBe(2);
    expect(gate.registry.revokeSession('s-alice')).toBe(0); // already closing: not closed, nor counted, again
    expect(gate.registry.revokeSession('s-nobody')).toBe(0);
    expect(gate.registry.revokeSubject('bob')).toBe(1);
    expect(alice.map((peer) => peer.closes)).toEqual([[4401], [4401]]);
    expect(bob.closes).toEqual([4401]);
    expect(await metrics.value('wsgate.revocations', { 'wsgate.revocation.kind': 'session' })).toBe(2);
    expect(await metrics.value('wsgate.revocations', { 'wsgate.revocation.kind': 'subject' })).toBe(1);
  });

  it('creates the documented instruments, each once per gate', async () => {
    const created: string[] = [];
    const spy = testMeter();
    const meter = new Proxy(spy.meter, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          created.push(String(args[0]));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const withMeter = createWsGate({ origins: { allow: APP }, meter });
    cleanups.push(async () => {
      await withMeter.tickets.close();
      await spy.shutdown();
    });
    expect(created.sort()).toEqual([
      'wsgate.connections.closed',
      'wsgate.connections.open',
      'wsgate.messages.refused',
      'wsgate.revocations',
      'wsgate.ticket_requests.refused',
      'wsgate.ticket_store.operation.duration',
      'wsgate.tickets.issued',
      'wsgate.tickets.redeemed',
      'wsgate.tickets.refused',
      'wsgate.upgrades.accepted',
      'wsgate.upgrades.refused',
    ]);
  });

  it('takes the meter on a ticket service of its own, and refuses a meter that is not one', () => {
    const metrics = testMeter();
    const tickets = createTicketService({ meter: metrics.meter });
    cleanups.push(async () => {
      await tickets.close();
      await metrics.shutdown();
    });
    expect(() => createWsGate({ origins: { allow: APP }, meter: {} as never })).toThrow(WsGateConfigError);
    expect(() => createTicketService({ meter: null as never })).toThrow(WsGateConfigError);
  });
});
