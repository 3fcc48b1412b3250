// Authorization before any Engine.IO session exists, through real Socket.IO servers on node:http
// and Fastify 5: every attack fails, and nothing is lost (the ticket stays single-use, the server
// keeps serving others).
import { generateTicket } from '@wsgate/core';
import { describe, expect, it } from 'vitest';
import {
  clientSocket,
  connectClient,
  connected,
  emitAck,
  rawPoll,
  rawUpgrade,
  ticketFor,
} from './support/clients.js';
import { FOREIGN_ORIGIN, OTHER_ALLOWED_ORIGIN, SERVERS } from './support/servers.js';

/** The Engine.IO session id in an open packet (`0{"sid":...}`). */
function sidOf(openPacket: string): string {
  return (JSON.parse(openPacket.slice(1)) as { sid: string }).sid;
}

describe.each(SERVERS)('handshakes on %s', (_name, start) => {
  it('opens a session for a valid ticket: the principal is on socket.data, the ticket is gone', async () => {
    const handshakes: { query: unknown; url: unknown; auth: unknown }[] = [];
    const server = await start({
      setup: ({ io }) =>
        io.on('connection', (socket) => {
          handshakes.push({
            query: socket.handshake.query,
            url: socket.handshake.url,
            auth: socket.handshake.auth,
          });
          socket.emit('welcome', {
            user: socket.data.principal.subject,
            claims: socket.data.principal.claims,
          });
        }),
    });
    const ticket = await ticketFor(server, { user: 'alice', session: 's-1', roles: ['member'] });
    // A client that also puts identity in `auth`, as Socket.IO users habitually do: it is ignored.
    const socket = clientSocket(server, {
      ticket,
      options: { auth: { token: 'forged', principal: { subject: 'admin' }, user: 'admin' } },
    });
    const welcome = await new Promise((resolve) => socket.once('welcome', resolve));
    expect(welcome).toEqual({ user: 'alice', claims: { roles: ['member'] } });
    expect(handshakes).toHaveLength(1);
    expect(JSON.stringify(handshakes[0]?.query)).not.toContain(ticket);
    expect(handshakes[0]?.url).not.toContain(ticket);
    expect(server.audit.map((event) => JSON.stringify(event)).join('\n')).not.toContain(ticket);
    expect(server.audit.map((event) => event.event)).toContain('wsgate.upgrade_accepted');
  });

  it('refuses a handshake without a ticket with 401 TICKET_MISSING, says where the ticket goes, and opens no session', async () => {
    const server = await start();
    const refused = await rawUpgrade(server, '');
    expect(refused).toMatchObject({ upgraded: false, status: 401 });
    if (refused.upgraded) return;
    const body = JSON.parse(refused.body) as { error: string; message: string; sid?: string };
    expect(body.error).toBe('TICKET_MISSING');
    expect(body.message).toMatch(/handshake query.*query: \{ ticket/);
    expect(body.sid).toBeUndefined();
    expect(server.io.engine.clientsCount).toBe(0);
    // A client putting its ticket in `auth` only gets the same refusal.
    const ticket = await ticketFor(server);
    const outcome = await connectClient(server, { options: { auth: { ticket } } });
    expect(outcome.ok).toBe(false);
    expect((await connected(server)).welcome).toMatchObject({ user: 'alice' });
  });

  it.each([
    ['malformed', () => 'not-a-ticket'],
    ['unknown', () => generateTicket()],
  ])('refuses a %s ticket with 401 TICKET_INVALID', async (_kind, ticketOf) => {
    const server = await start();
    const refused = await rawUpgrade(server, `&ticket=${ticketOf()}`);
    expect(refused).toMatchObject({ upgraded: false, status: 401, body: '{"error":"TICKET_INVALID"}' });
    expect(server.io.engine.clientsCount).toBe(0);
    expect((await connected(server)).welcome).toMatchObject({ user: 'alice' });
  });

  it('refuses an expired ticket with 401 TICKET_INVALID', async () => {
    let now = Date.now();
    const server = await start({ wsgate: { tickets: { clock: () => now, ttlMs: 30_000 } } });
    const ticket = await ticketFor(server);
    now += 30_001;
    expect(await rawUpgrade(server, `&ticket=${ticket}`)).toMatchObject({ upgraded: false, status: 401 });
    expect(server.audit.at(-1)).toMatchObject({ fields: { code: 'TICKET_INVALID', reason: 'expired' } });
  });

  it('refuses a replayed ticket, and the session it opened keeps working', async () => {
    const server = await start();
    const ticket = await ticketFor(server);
    const first = await connectClient(server, { ticket });
    expect(first.ok).toBe(true);
    expect(await rawUpgrade(server, `&ticket=${ticket}`)).toMatchObject({ upgraded: false, status: 401 });
    expect(await connectClient(server, { ticket })).toMatchObject({ ok: false });
    if (first.ok)
      expect(await emitAck(first.socket, 'whoami', {})).toMatchObject({ ok: true, user: 'alice' });
  });

  it('lets exactly one of 20 simultaneous handshakes with one ticket through', async () => {
    const server = await start();
    const ticket = await ticketFor(server);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => rawUpgrade(server, `&ticket=${ticket}`)),
    );
    expect(outcomes.filter((outcome) => outcome.upgraded)).toHaveLength(1);
    const refused = outcomes.filter((outcome) => !outcome.upgraded);
    expect(refused).toHaveLength(19);
    for (const outcome of refused) expect(outcome).toMatchObject({ status: 401 });
    expect(server.io.engine.clientsCount).toBe(1);
  });

  it('refuses a ticket presented from another address, and burns it', async () => {
    const server = await start();
    const ticket = await ticketFor(server, { localAddress: '127.0.0.1' });
    const stolen = await rawUpgrade(server, `&ticket=${ticket}`, { localAddress: '127.0.0.2' });
    expect(stolen).toMatchObject({ upgraded: false, status: 401, body: '{"error":"TICKET_INVALID"}' });
    expect(server.audit.at(-1)).toMatchObject({ fields: { reason: 'ip_mismatch', ip: '127.0.0.2' } });
    expect(await rawUpgrade(server, `&ticket=${ticket}`)).toMatchObject({ upgraded: false, status: 401 });
    expect((await connected(server)).welcome).toMatchObject({ user: 'alice' });
  });

  it('refuses a ticket presented with another allowed Origin (Origin binding)', async () => {
    const server = await start();
    const ticket = await ticketFor(server);
    const refused = await rawUpgrade(server, `&ticket=${ticket}`, { origin: OTHER_ALLOWED_ORIGIN });
    expect(refused).toMatchObject({ upgraded: false, status: 401 });
    expect(server.audit.at(-1)).toMatchObject({ fields: { reason: 'origin_mismatch' } });
  });

  it('refuses a foreign Origin with 403 ORIGIN_NOT_ALLOWED before touching the ticket', async () => {
    const server = await start();
    const ticket = await ticketFor(server);
    const forged = await rawUpgrade(server, `&ticket=${ticket}`, { origin: FOREIGN_ORIGIN });
    expect(forged).toMatchObject({ upgraded: false, status: 403, body: '{"error":"ORIGIN_NOT_ALLOWED"}' });
    expect(await connectClient(server, { ticket, origin: FOREIGN_ORIGIN })).toMatchObject({ ok: false });
    // Not consumed: its owner still connects with it.
    expect(await connectClient(server, { ticket })).toMatchObject({ ok: true });
  });

  it('keeps long-polling off by default, before the ticket is looked at', async () => {
    const server = await start();
    const ticket = await ticketFor(server);
    const poll = await rawPoll(server, `&ticket=${ticket}`);
    expect(poll.status).toBe(400);
    expect(JSON.parse(poll.body)).toEqual({
      error: 'BAD_HANDSHAKE',
      message: 'long-polling is off: connect with transports: ["websocket"]',
    });
    expect(poll.body).not.toContain('sid');
    // socket.io-client's default (polling first) cannot open a session either.
    const defaults = await connectClient(server, {
      ticket,
      options: { transports: ['polling', 'websocket'] },
    });
    expect(defaults.ok).toBe(false);
    expect(await connectClient(server, { ticket })).toMatchObject({ ok: true });
    expect(server.io.engine.opts.transports).toEqual(['websocket']);
  });

  it('refuses a request carrying a stolen sid, and the victim keeps its session', async () => {
    const server = await start();
    const victim = await rawUpgrade(server, `&ticket=${await ticketFor(server)}`);
    expect(victim.upgraded).toBe(true);
    if (!victim.upgraded) return;
    const sid = sidOf(victim.open);
    const hijack = await rawUpgrade(server, `&sid=${sid}`);
    expect(hijack).toMatchObject({ upgraded: false, status: 400 });
    const poll = await rawPoll(server, `&sid=${sid}`);
    expect(poll.status).toBe(400);
    const post = await rawPoll(server, `&sid=${sid}`, { method: 'POST', body: '40' });
    expect(post.status).toBe(400);
    // The victim's session is intact: it joins the main namespace and is welcomed.
    const welcome = new Promise<string>((resolve) =>
      victim.socket.on('message', (data) => {
        if (data.toString().startsWith('42')) resolve(data.toString());
      }),
    );
    victim.socket.send('40');
    expect(await welcome).toContain('"welcome"');
  });

  it.each([
    ['Engine.IO 3', (ticket: string) => `&ticket=${ticket}`.replace('&', '&EIO=3&'), 400],
    ['an unknown transport', (ticket: string) => `&ticket=${ticket}&transport=webtransport`, 400],
  ])('refuses %s before the ticket is looked at', async (_name, queryOf, status) => {
    const server = await start();
    const ticket = await ticketFor(server);
    expect(await rawUpgrade(server, queryOf(ticket))).toMatchObject({ upgraded: false, status });
    expect(await connectClient(server, { ticket })).toMatchObject({ ok: true });
  });

  it('refuses a JSONP polling handshake', async () => {
    const server = await start({ wsgate: { polling: true } });
    const ticket = await ticketFor(server);
    const jsonp = await rawPoll(server, `&j=0&ticket=${ticket}`);
    expect(jsonp.status).toBe(400);
    expect(await connectClient(server, { ticket })).toMatchObject({ ok: true });
  });

  it('answers 429 past the connection cap of a subject', async () => {
    const server = await start({ wsgate: { connections: { maxPerSubject: 1 } } });
    await connected(server, { user: 'carol' });
    const refused = await rawUpgrade(server, `&ticket=${await ticketFor(server, { user: 'carol' })}`);
    expect(refused).toMatchObject({ upgraded: false, status: 429, body: '{"error":"TOO_MANY_CONNECTIONS"}' });
    expect((await connected(server, { user: 'dave' })).welcome).toMatchObject({ user: 'dave' });
  });
});
