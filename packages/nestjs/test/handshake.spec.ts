import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, countServerWrites, createApp, open, ORIGIN, PLATFORMS, type TestApp } from './support.js';

describe.each(PLATFORMS)('handshake on the %s platform', (platform) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createApp({ platform });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses an upgrade without a ticket with HTTP 401 {"error":"TICKET_MISSING"}, never opening', async () => {
    const result = await open(t.wsUrl());
    expect(result).toMatchObject({ kind: 'refused', status: 401 });
    if (result.kind !== 'refused') return;
    expect(JSON.parse(result.body)).toEqual({ error: 'TICKET_MISSING' });
    expect(result.headers['content-type']).toBe('application/json');
    expect(result.headers['connection']).toBe('close');
  });

  it('refuses an unknown, malformed or duplicated ticket with 401 TICKET_INVALID', async () => {
    const unknown = 'A'.repeat(43);
    for (const query of [
      `ticket=${unknown}`,
      'ticket=abc',
      `ticket=${await t.ticket()}&ticket=${await t.ticket()}`,
    ]) {
      const result = await open(t.wsUrl('/ws', query));
      expect(result, query).toMatchObject({ kind: 'refused', status: 401 });
      if (result.kind === 'refused') expect(JSON.parse(result.body)).toEqual({ error: 'TICKET_INVALID' });
    }
  });

  it('refuses a foreign or null Origin with 403 before looking at the ticket (the ticket still works)', async () => {
    const ticket = await t.ticket();
    for (const origin of ['http://evil.example', 'null', `${ORIGIN}.evil.example`]) {
      const result = await open(t.wsUrl('/ws', `ticket=${ticket}`), { origin });
      expect(result, origin).toMatchObject({ kind: 'refused', status: 403 });
      if (result.kind === 'refused') expect(JSON.parse(result.body)).toEqual({ error: 'ORIGIN_NOT_ALLOWED' });
    }
    const { welcome } = await connect(t.wsUrl('/ws', `ticket=${ticket}`), { origin: ORIGIN });
    expect(welcome).toEqual({ type: 'welcome', user: 'alice', roles: ['admin'] });
  });

  it('sends the 101 and the welcome frame in one write, so the client is woken once', async () => {
    const ticket = await t.ticket('alice');
    const writes = countServerWrites(t.app.getHttpServer() as Server);
    const { welcome } = await connect(t.wsUrl('/ws', `ticket=${ticket}`));
    expect(welcome).toEqual({ type: 'welcome', user: 'alice', roles: ['admin'] });
    expect(writes()).toEqual([1]);
  });

  it('accepts a query ticket once: the principal reaches @WsPrincipal and no subprotocol is selected', async () => {
    const ticket = await t.ticket('bob', { sessionId: 'session-1' });
    const { client, welcome } = await connect(t.wsUrl('/ws', `ticket=${ticket}`));
    expect(welcome).toEqual({ type: 'welcome', user: 'bob', roles: ['member'] });
    expect(client.socket.protocol).toBe('');
    expect(await client.exchange({ type: 'whoami' })).toEqual({
      type: 'whoami',
      user: 'bob',
      subject: 'bob',
      roles: ['member'],
      sessionId: 'session-1',
    });
    const replay = await open(t.wsUrl('/ws', `ticket=${ticket}`));
    expect(replay).toMatchObject({ kind: 'refused', status: 401 });
    client.socket.close();
  });

  it('selects the "wsgate" subprotocol when the ticket came as a subprotocol', async () => {
    const ticket = await t.ticket();
    const { client, welcome } = await connect(t.wsUrl(), {
      protocols: ['wsgate', `wsgate.ticket.${ticket}`],
    });
    expect(client.socket.protocol).toBe('wsgate');
    expect(welcome).toMatchObject({ type: 'welcome', user: 'alice' });
    client.socket.close();
  });

  it('honours the Origin binding of a ticket', async () => {
    const ticket = await t.ticket('alice', { origin: ORIGIN });
    expect(await open(t.wsUrl('/ws', `ticket=${ticket}`))).toMatchObject({ kind: 'refused', status: 401 });
    const bound = await t.ticket('alice', { origin: ORIGIN });
    const { client } = await connect(t.wsUrl('/ws', `ticket=${bound}`), { origin: ORIGIN });
    client.socket.close();
  });

  it('answers 404 for an upgrade to a path without a gateway, without consuming the ticket', async () => {
    const ticket = await t.ticket();
    const result = await open(t.wsUrl('/elsewhere', `ticket=${ticket}`));
    expect(result).toMatchObject({ kind: 'refused', status: 404 });
    const { client } = await connect(t.wsUrl('/ws', `ticket=${ticket}`));
    client.socket.close();
  });

  it('logs refusals without the ticket', async () => {
    const ticket = await t.ticket();
    await open(t.wsUrl('/ws', `ticket=${ticket}`), { origin: 'http://evil.example' });
    await open(t.wsUrl('/ws', `ticket=${ticket.slice(0, 42)}x`));
    const refusals = t.logger.lines.filter((line) => line.text.includes('"event":"wsgate.upgrade_refused"'));
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(
      refusals.some(
        (line) =>
          line.text.includes('"status":403') &&
          line.text.includes('"code":"ORIGIN_NOT_ALLOWED"') &&
          line.text.includes('"reason":"origin_not_allowed"') &&
          line.text.includes('"ip":"127.0.0.1"'),
      ),
    ).toBe(true);
    expect(t.logger.lines.filter((line) => line.text.includes(ticket.slice(0, 20)))).toEqual([]);
  });
});
