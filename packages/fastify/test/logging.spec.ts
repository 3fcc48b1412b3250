import { Writable } from 'node:stream';
import { generateTicket } from '@wsgate/core';
import { describe, expect, it } from 'vitest';
import { buildTestApp, FOREIGN_ORIGIN, requestTicket, wsUrl } from './support/app.js';
import { nextMessage, openOk, openRefused } from './support/sockets.js';

/** A Fastify logger destination that keeps every line. */
function logCollector() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      callback();
    },
  });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, stream, records };
}

describe('logging', () => {
  it('never logs a ticket, from the query or a subprotocol, accepted or refused, and logs the URL as /ws?ticket=[redacted]', async () => {
    const log = logCollector();
    const app = await buildTestApp({ fastify: { logger: { level: 'info', stream: log.stream } } });
    const url = wsUrl(app);
    const queryTicket = await requestTicket(app, { user: 'alice' });
    const subprotocolTicket = await requestTicket(app, { user: 'bob' });
    const foreignTicket = await requestTicket(app, { user: 'carol' });
    const unknownTicket = generateTicket();
    const tickets = [queryTicket, subprotocolTicket, foreignTicket, unknownTicket];

    // Accepted, then refused (used), with the ticket in the query.
    await nextMessage(await openOk(`${url}?ticket=${queryTicket}&room=lobby`));
    expect(await openRefused(`${url}?ticket=${queryTicket}`)).toMatchObject({ status: 401 });
    // Accepted, then refused (used), with the ticket as a subprotocol.
    await nextMessage(await openOk(url, { protocols: ['wsgate', `wsgate.ticket.${subprotocolTicket}`] }));
    expect(
      await openRefused(url, { protocols: ['wsgate', `wsgate.ticket.${subprotocolTicket}`] }),
    ).toMatchObject({ status: 401 });
    // Refused before the ticket is looked at, and refused as unknown.
    expect(
      await openRefused(`${url}?ticket=${foreignTicket}`, { headers: { origin: FOREIGN_ORIGIN } }),
    ).toMatchObject({ status: 403 });
    expect(await openRefused(url, { protocols: ['wsgate', `wsgate.ticket.${unknownTicket}`] })).toMatchObject(
      { status: 401 },
    );
    // A ticket sent to a plain HTTP route.
    expect(await openRefused(`${wsUrl(app, '/healthz')}?ticket=${unknownTicket}`)).toMatchObject({
      status: 404,
    });
    await app.close();

    expect(log.lines.length).toBeGreaterThan(10);
    for (const line of log.lines) {
      for (const ticket of tickets) expect(line).not.toContain(ticket);
      expect(line).not.toContain('wsgate.ticket.');
    }
    const urls = log.records().flatMap((record) => {
      const req = record['req'] as { url?: string } | undefined;
      return req?.url === undefined ? [] : [req.url];
    });
    expect(urls).toContain('/ws?ticket=[redacted]&room=lobby');
    expect(urls).toContain('/ws?ticket=[redacted]');
    expect(urls).toContain('/healthz?ticket=[redacted]');
    expect(
      urls.filter((logged) => logged.includes('ticket=') && !logged.includes('ticket=[redacted]')),
    ).toEqual([]);

    const events = log.records().map((record) => record['event']);
    expect(events.filter((event) => event === 'wsgate.upgrade_accepted')).toHaveLength(2);
    expect(events.filter((event) => event === 'wsgate.upgrade_refused')).toHaveLength(4);
  });

  it('logs accept and close with the session hash (never the session id), and nothing below its level', async () => {
    const info = logCollector();
    const app = await buildTestApp({ fastify: { logger: { level: 'info', stream: info.stream } } });
    const socket = await openOk(`${wsUrl(app)}?ticket=${await requestTicket(app, { session: 'sid-1234' })}`);
    await nextMessage(socket);
    socket.close();
    await new Promise((resolve) => socket.once('close', resolve));
    const expected = app.wsgate.gate.audit.sessionRef('sid-1234');
    await app.close();
    const records = info.records().filter((record) => String(record['event']).startsWith('wsgate.'));
    const accepted = records.find((record) => record['event'] === 'wsgate.upgrade_accepted');
    const closed = records.find((record) => record['event'] === 'wsgate.close');
    expect(accepted).toMatchObject({ subject: 'alice', session: expected, ip: '127.0.0.1' });
    expect(closed).toMatchObject({ subject: 'alice', session: expected, code: 1005 });
    expect(expected).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(info.lines.join('\n')).not.toContain('sid-1234');

    const warn = logCollector();
    const quiet = await buildTestApp({ fastify: { logger: { level: 'warn', stream: warn.stream } } });
    const other = await openOk(
      `${wsUrl(quiet)}?ticket=${await requestTicket(quiet, { session: 'sid-5678' })}`,
    );
    await nextMessage(other);
    other.close();
    await new Promise((resolve) => other.once('close', resolve));
    await quiet.close();
    expect(warn.records().filter((record) => String(record['event']).startsWith('wsgate.'))).toEqual([]);
  });

  it('logs a plain HTTP request carrying a ticket with the ticket redacted', async () => {
    const log = logCollector();
    const app = await buildTestApp({ fastify: { logger: { level: 'info', stream: log.stream } } });
    const ticket = generateTicket();
    const { port } = app.server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/healthz?ticket=${ticket}`);
    expect(response.status).toBe(200);
    await app.close();
    expect(log.lines.join('\n')).not.toContain(ticket);
    expect(log.lines.join('\n')).toContain('/healthz?ticket=[redacted]');
  });
});
