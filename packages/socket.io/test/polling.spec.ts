// Long-polling, opt-in: the Engine.IO session is bound to the address and Origin that redeemed
// the ticket; a request of the session from anywhere else is refused, and the session survives.
import { describe, expect, it } from 'vitest';
import { connectClient, emitAck, rawPoll, rawUpgrade, ticketFor } from './support/clients.js';
import { FOREIGN_ORIGIN, OTHER_ALLOWED_ORIGIN, SERVERS, type TestServer } from './support/servers.js';

/** Opens a polling session with a ticket and joins the main namespace; returns its sid. */
async function pollingSession(server: TestServer): Promise<string> {
  const open = await rawPoll(server, `&ticket=${await ticketFor(server)}`);
  expect(open.status).toBe(200);
  const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
  expect((await rawPoll(server, `&sid=${sid}`, { method: 'POST', body: '40' })).status).toBe(200);
  return sid;
}

/** Whether the session still answers its owner: a poll returns its pending packets. */
async function stillServes(server: TestServer, sid: string): Promise<string> {
  const poll = await rawPoll(server, `&sid=${sid}`);
  expect(poll.status).toBe(200);
  return poll.body;
}

describe.each(SERVERS)('long-polling on %s', (_name, start) => {
  const polling = (options: Parameters<typeof start>[0] = {}) =>
    start({ ...options, wsgate: { polling: true, ...options.wsgate } });

  it('serves a socket.io-client over polling, then upgraded to WebSocket, with the ticket', async () => {
    const server = await polling();
    expect(server.io.engine.opts.transports).toEqual(['polling', 'websocket']);
    const ticket = await ticketFor(server);
    const outcome = await connectClient(server, {
      ticket,
      options: { transports: ['polling', 'websocket'] },
    });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(await emitAck(outcome.socket, 'whoami', {})).toMatchObject({ ok: true, user: 'alice' });
    const engine = outcome.socket.io.engine;
    if (engine.transport.name !== 'websocket')
      await new Promise((resolve) => engine.once('upgrade', resolve));
    expect(engine.transport.name).toBe('websocket');
    expect(await emitAck(outcome.socket, 'whoami', {})).toMatchObject({ ok: true, user: 'alice' });
  });

  it('opens a polling session only with a valid ticket', async () => {
    const server = await polling();
    const refused = await rawPoll(server, '');
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'TICKET_MISSING' });
    expect(refused.body).not.toContain('sid');
    expect((await rawPoll(server, '&ticket=forged')).status).toBe(401);
    expect((await rawPoll(server, `&ticket=${await ticketFor(server)}`, { method: 'POST' })).status).toBe(
      405,
    );
    expect(server.io.engine.clientsCount).toBe(0);
  });

  it('refuses a request of the session from another address, and the session keeps serving its owner', async () => {
    const server = await polling();
    const sid = await pollingSession(server);
    const stolen = await rawPoll(server, `&sid=${sid}`, { localAddress: '127.0.0.2' });
    expect(stolen.status).toBe(401);
    expect(JSON.parse(stolen.body)).toEqual({ error: 'TICKET_INVALID' });
    const injected = await rawPoll(server, `&sid=${sid}`, {
      method: 'POST',
      body: '42["whoami",{}]',
      localAddress: '127.0.0.2',
    });
    expect(injected.status).toBe(401);
    expect(server.audit.at(-1)).toMatchObject({
      fields: { reason: 'session_address_mismatch', ip: '127.0.0.2' },
    });
    expect(await stillServes(server, sid)).toContain('"welcome"');
  });

  it('refuses an upgrade of the session from another address', async () => {
    const server = await polling();
    const sid = await pollingSession(server);
    const hijack = await rawUpgrade(server, `&sid=${sid}`, { localAddress: '127.0.0.2' });
    expect(hijack).toMatchObject({ upgraded: false, status: 401 });
    expect(await stillServes(server, sid)).toContain('"welcome"');
  });

  it('refuses a request of the session with a foreign Origin (403) or another allowed one (401)', async () => {
    const server = await polling();
    const sid = await pollingSession(server);
    expect((await rawPoll(server, `&sid=${sid}`, { origin: FOREIGN_ORIGIN })).status).toBe(403);
    expect((await rawPoll(server, `&sid=${sid}`, { origin: OTHER_ALLOWED_ORIGIN })).status).toBe(401);
    expect(server.audit.at(-1)).toMatchObject({ fields: { reason: 'session_origin_mismatch' } });
    expect(await stillServes(server, sid)).toContain('"welcome"');
    // Browsers omit Origin on same-origin GET requests: the owner without one is still served.
    expect((await rawPoll(server, `&sid=${sid}`, { method: 'POST', body: '421["whoami",{}]' })).status).toBe(
      200,
    );
    const answer = await rawPoll(server, `&sid=${sid}`, { origin: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('431[{"ok":true,"user":"alice"');
  });

  it('refuses an unknown sid with 401', async () => {
    const server = await polling();
    const unknown = await rawPoll(server, '&sid=AAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(401);
    expect(server.audit.at(-1)).toMatchObject({ fields: { reason: 'session_unknown' } });
    expect((await rawPoll(server, '&sid=constructor')).status).toBe(401);
  });

  it('caps a polling request body at the message limit', async () => {
    const server = await polling();
    const sid = await pollingSession(server);
    const big = await rawPoll(server, `&sid=${sid}`, {
      method: 'POST',
      body: `42["whoami",{"pad":"${'x'.repeat(16_384)}"}]`,
    });
    expect(big.status).toBe(413);
    expect(server.io.engine.opts.maxHttpBufferSize).toBe(16_384);
  });
});
