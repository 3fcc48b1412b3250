import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';
import type { AuditEvent, AuditLevel } from '@wsgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { logAuditEvent } from '../src/audit-log.js';

// Audit events through Nest's logger: a level the app does not print costs nothing (the fields,
// and the session hash among them, are never built); what is printed is one line of JSON.

/** An audit event that counts how often its fields are read. */
function countedEvent(level: AuditLevel): { event: AuditEvent; reads: () => number } {
  let reads = 0;
  const event = {
    event: 'wsgate.close',
    level,
    message: 'WebSocket closed',
    get fields() {
      reads += 1;
      return { subject: 'alice', code: 1000 };
    },
  } as AuditEvent;
  return { event, reads: () => reads };
}

function capture(): { logger: LoggerService; lines: string[] } {
  const lines: string[] = [];
  const keep = (line: unknown) => void lines.push(String(line));
  return { logger: { log: keep, warn: keep, error: keep, debug: keep, verbose: keep }, lines };
}

afterEach(() => {
  Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  Logger.overrideLogger(new ConsoleLogger());
});

describe('logAuditEvent', () => {
  it("builds nothing for a level the app's log levels leave out, and prints the others", () => {
    const { logger: sink, lines } = capture();
    Logger.overrideLogger(['error', 'warn']);
    Logger.overrideLogger(sink);
    const info = countedEvent('info');
    logAuditEvent(new Logger('WsGateAdapter'), info.event);
    expect(info.reads()).toBe(0);
    expect(lines).toEqual([]);

    const warn = countedEvent('warn');
    logAuditEvent(new Logger('WsGateAdapter'), warn.event);
    expect(warn.reads()).toBe(1);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { event: 'wsgate.close', subject: 'alice', code: 1000 },
    ]);
  });

  it('builds nothing when the app has no logger (logger: false)', () => {
    Logger.overrideLogger(false);
    const error = countedEvent('error');
    logAuditEvent(new Logger('WsGateAdapter'), error.event);
    expect(error.reads()).toBe(0);
  });

  it('hands every event to a logger that is not a Nest Logger', () => {
    Logger.overrideLogger(false);
    const { logger, lines } = capture();
    const info = countedEvent('info');
    logAuditEvent(logger, info.event);
    expect(info.reads()).toBe(1);
    expect(lines).toHaveLength(1);
  });
});
