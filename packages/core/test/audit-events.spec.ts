// Session ids in audit events: a short keyed hash, never the value the app passed; the same key
// on every instance correlates a session across them, a random key per process by default.
import { afterEach, describe, expect, it } from 'vitest';
import { auditLine, createWsGate, WsGateConfigError, type AuditEvent, type WsGate } from '../src/index.js';
import { FakeConnection, handshake } from './helpers.js';

const APP = 'https://app.example.com';
// What many apps pass as the session id: the session cookie's value.
const SESSION_ID = 'sid-2f6c1d9e-cookie-value-abcdef';

const gates: WsGate[] = [];
afterEach(async () => {
  await Promise.all(gates.splice(0).map((gate) => gate.tickets.close()));
});

function gate(sessionIdKey?: string): WsGate {
  const created = createWsGate({
    origins: { allow: APP },
    ...(sessionIdKey === undefined ? {} : { audit: { sessionIdKey } }),
  });
  gates.push(created);
  return created;
}

/** The audit events of one ticket request and one upgrade with its ticket, then its close. */
async function eventsOf(target: WsGate): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  const request = handshake({ headers: { origin: APP } });
  const answer = await target.answerTicketRequest(request, () => ({
    subject: 'alice',
    sessionId: SESSION_ID,
  }));
  events.push(answer.audit);
  expect(answer.status).toBe(200);
  const ticket = String(answer.body['ticket']);
  const accepted = await target.authorizeUpgrade(
    handshake({ url: `/ws?ticket=${ticket}`, headers: { origin: APP } }),
  );
  if (!accepted.ok) throw new Error(`upgrade refused: ${accepted.code}`);
  const connection = Object.assign(new FakeConnection(), { terminate: () => undefined });
  const admitted = target.admit(accepted, connection, (event) => events.push(event));
  admitted.closed(1000);
  return events;
}

function sessionFields(events: readonly AuditEvent[]): unknown[] {
  return events.filter((event) => 'session' in event.fields).map((event) => event.fields['session']);
}

describe('session ids in audit events', () => {
  it('stand as a 16-character keyed hash in ticket_issued, upgrade_accepted and close, never in clear', async () => {
    const events = await eventsOf(gate());
    expect(events.map((event) => event.event)).toEqual([
      'wsgate.ticket_issued',
      'wsgate.upgrade_accepted',
      'wsgate.close',
    ]);
    const refs = sessionFields(events);
    expect(refs).toHaveLength(3);
    expect(new Set(refs).size).toBe(1);
    expect(refs[0]).toMatch(/^[A-Za-z0-9_-]{16}$/);
    for (const event of events) {
      expect(JSON.stringify(event)).not.toContain(SESSION_ID);
      expect(auditLine(event)).not.toContain(SESSION_ID);
    }
  });

  it('are the same on two instances given the same audit.sessionIdKey, and differ with another key', async () => {
    const [onA, onB, other] = await Promise.all([
      eventsOf(gate('shared-key-of-the-cluster')),
      eventsOf(gate('shared-key-of-the-cluster')),
      eventsOf(gate('another-key')),
    ]);
    expect(sessionFields(onA)[0]).toBe(sessionFields(onB)[0]);
    expect(sessionFields(other)[0]).not.toBe(sessionFields(onA)[0]);
  });

  it('differ between two gates given no key (a random key each, so one per process)', async () => {
    const [first, second] = await Promise.all([eventsOf(gate()), eventsOf(gate())]);
    expect(sessionFields(first)[0]).not.toBe(sessionFields(second)[0]);
  });

  it('refuses an empty audit.sessionIdKey at creation', () => {
    expect(() => createWsGate({ origins: { allow: APP }, audit: { sessionIdKey: '' } })).toThrow(
      WsGateConfigError,
    );
  });
});
