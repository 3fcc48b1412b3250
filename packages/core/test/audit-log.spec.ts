import { describe, expect, it, vi } from 'vitest';
import { createAuditEvents } from '../src/audit-events.js';
import { writeAuditEvent, type AuditEvent, type AuditLevel, type LevelLogger } from '../src/index.js';

/** A level logger that keeps what it is given (as pino, with `isLevelEnabled` when `enabled` is set). */
class RecordingLogger implements LevelLogger {
  readonly lines: { level: AuditLevel; fields: Record<string, unknown>; message: string }[] = [];
  constructor(private readonly enabled?: ReadonlySet<string>) {
    if (enabled === undefined) (this as { isLevelEnabled?: unknown }).isLevelEnabled = undefined;
  }
  isLevelEnabled(level: string): boolean {
    // Called with the logger as `this`, as pino's own method needs.
    return this.enabled?.has(level) === true;
  }
  debug(fields: object, message: string) {
    this.lines.push({ level: 'debug', fields: fields as Record<string, unknown>, message });
  }
  info(fields: object, message: string) {
    this.lines.push({ level: 'info', fields: fields as Record<string, unknown>, message });
  }
  warn(fields: object, message: string) {
    this.lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message });
  }
  error(fields: object, message: string) {
    this.lines.push({ level: 'error', fields: fields as Record<string, unknown>, message });
  }
}

const audit = createAuditEvents({ sessionIdKey: 'key' });

describe('writeAuditEvent', () => {
  it("writes one line at the event's level: event, fields, and err only for a server fault", () => {
    const logger = new RecordingLogger(new Set(['info', 'error']));
    const cause = new Error('store down');
    writeAuditEvent(logger, audit.ticketRefused(401, 'UNAUTHENTICATED'));
    writeAuditEvent(logger, audit.ticketRouteFailed(cause));
    expect(logger.lines).toEqual([
      {
        level: 'info',
        fields: { event: 'wsgate.ticket_refused', status: 401, code: 'UNAUTHENTICATED' },
        message: 'ticket refused',
      },
      {
        level: 'error',
        fields: { event: 'wsgate.ticket_route_failed', err: cause },
        message: 'ticket route failed',
      },
    ]);
  });

  it('builds nothing for a level the logger has turned off', () => {
    const logger = new RecordingLogger(new Set(['warn']));
    const read = vi.fn(() => ({ subject: 'alice' }));
    const event = {
      event: 'wsgate.close',
      level: 'info',
      message: 'WebSocket closed',
      get fields() {
        return read();
      },
    } as AuditEvent;
    writeAuditEvent(logger, event);
    expect(logger.lines).toEqual([]);
    expect(read).not.toHaveBeenCalled();
  });

  it('on a logger that cannot say its level, computes the session hash only if the logger reads it', () => {
    const logger = new RecordingLogger();
    writeAuditEvent(logger, audit.closed({ subject: 'alice', sessionId: 'sid-1' }, 1000));
    const [line] = logger.lines;
    expect(line?.level).toBe('info');
    expect(line?.message).toBe('WebSocket closed');
    expect(Object.getOwnPropertyDescriptor(line?.fields, 'session')?.get).toBeTypeOf('function');
    expect(line?.fields).toEqual({
      event: 'wsgate.close',
      subject: 'alice',
      session: audit.sessionRef('sid-1'),
      code: 1000,
    });
    expect(JSON.stringify(line?.fields)).not.toContain('sid-1');
  });
});
