import { describe, expect, it } from 'vitest';
import { createAuditEvents } from '../src/audit-events.js';
import { auditLine, auditRecord } from '../src/index.js';

const principal = { subject: 'alice', sessionId: 'sid-1234' };

describe('audit events', () => {
  it('stand for the session with its keyed hash in fields, records, lines and JSON', () => {
    const audit = createAuditEvents({ sessionIdKey: 'key' });
    const ref = audit.sessionRef('sid-1234');
    expect(ref).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(createAuditEvents({ sessionIdKey: 'key' }).sessionRef('sid-1234')).toBe(ref);
    expect(createAuditEvents({ sessionIdKey: 'other' }).sessionRef('sid-1234')).not.toBe(ref);

    const accepted = audit.upgradeAccepted(principal, '127.0.0.1');
    expect(accepted.fields).toEqual({ subject: 'alice', session: ref, ip: '127.0.0.1' });
    const closed = audit.closed(principal, 1000);
    expect(auditRecord(closed)).toEqual({
      event: 'wsgate.close',
      subject: 'alice',
      session: ref,
      code: 1000,
    });
    expect(JSON.parse(JSON.stringify(auditRecord(accepted)))).toEqual({
      event: 'wsgate.upgrade_accepted',
      subject: 'alice',
      session: ref,
      ip: '127.0.0.1',
    });
    expect(auditLine(closed)).toBe(`wsgate.close subject=alice session=${ref} code=1000`);
    expect(JSON.parse(JSON.stringify(closed))).toEqual({
      event: 'wsgate.close',
      level: 'info',
      message: 'WebSocket closed',
      fields: { subject: 'alice', session: ref, code: 1000 },
    });
    expect(Object.isFrozen(closed)).toBe(true);
    for (const text of [JSON.stringify(auditRecord(accepted)), auditLine(accepted)])
      expect(text).not.toContain('sid-1234');
  });

  it('leave the session out without a session id', () => {
    const audit = createAuditEvents();
    const record = auditRecord(audit.closed({ subject: 'bob', sessionId: undefined }, 4401));
    expect(record).toEqual({ event: 'wsgate.close', subject: 'bob', session: undefined, code: 4401 });
    expect(JSON.stringify(record)).toBe('{"event":"wsgate.close","subject":"bob","code":4401}');
  });

  it('keep the session hash computed on demand in a record, and add err for a cause', () => {
    const audit = createAuditEvents();
    const record = auditRecord(audit.upgradeAccepted(principal, '::1'));
    // Still an accessor: a logger that drops the record never computes the hash.
    expect(typeof Object.getOwnPropertyDescriptor(record, 'session')?.get).toBe('function');
    expect(Object.keys(record)).toEqual(['event', 'subject', 'session', 'ip']);
    expect(record['session']).toBe(audit.sessionRef('sid-1234'));

    const cause = new Error('boom');
    expect(auditRecord(audit.handlerFailed(cause, 'chat'))).toEqual({
      event: 'wsgate.handler_failed',
      message: 'chat',
      err: cause,
    });
  });
});
