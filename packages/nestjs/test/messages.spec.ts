import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Client, connect, createApp, open, PLATFORMS, type TestApp } from './support.js';

const STACK = /\bat [^"\s]+ \(|(?:\.[cm]?[jt]s|node:internal[^"]*):\d+:\d+/;

describe.each(PLATFORMS)('messages on the %s platform', (platform) => {
  let t: TestApp;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await createApp({ platform });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.terminate();
  });
  afterAll(async () => {
    await t.close();
  });

  async function as(subject = 'alice', claims?: Record<string, unknown>): Promise<Client> {
    const ticket = await t.ticket(subject, claims === undefined ? {} : { claims });
    const { client } = await connect(t.wsUrl('/ws', `ticket=${ticket}`));
    clients.push(client);
    return client;
  }

  describe('routing by type', () => {
    it('hands the whole message to @SubscribeMessage(type) as a validated DTO instance', async () => {
      const client = await as();
      expect(await client.exchange({ type: 'join', room: 'lobby' })).toEqual({
        type: 'joined',
        room: 'lobby',
        dto: true,
        sameSocket: true,
      });
    });

    it('answers async handlers', async () => {
      const client = await as();
      expect(await client.exchange({ type: 'async' })).toEqual({ type: 'later' });
    });

    it('refuses an unknown type, a missing or non-string type and non-objects with VALIDATION_FAILED', async () => {
      const client = await as();
      for (const message of [{ type: 'nope' }, { room: 'x' }, { type: 5 }, '[]', '"text"', 'null', '42']) {
        const frame = await client.exchange(message);
        expect(frame, JSON.stringify(message)).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
      }
      expect(client.socket.readyState).toBe(client.socket.OPEN);
    });

    it('refuses broken JSON and prototype-poisoning keys with BAD_JSON, keeping the socket open', async () => {
      const client = await as();
      for (const text of [
        '{',
        '{"type":"join",',
        '{"type":"join","room":"a","__proto__":{"x":1}}',
        '{"type":"join","constructor":{"prototype":{"x":1}}}',
      ]) {
        expect(await client.exchange(text), text).toMatchObject({ type: 'error', code: 'BAD_JSON' });
      }
      expect(await client.exchange({ type: 'join', room: 'still-open' })).toMatchObject({ type: 'joined' });
    });
  });

  describe('WsValidationPipe', () => {
    it('refuses an undeclared property, naming it only when it is a plain identifier, never its value', async () => {
      const client = await as();
      const frame = await client.exchange({ type: 'join', room: 'lobby', from: 'sneaky-value' });
      expect(frame).toEqual({
        type: 'error',
        code: 'VALIDATION_FAILED',
        message: 'invalid "join" message',
        issues: [{ path: '/from', message: 'must not have additional properties' }],
      });
      expect(JSON.stringify(frame)).not.toMatch(/sneaky/);
      const odd = await client.exchange({ type: 'join', room: 'lobby', '<sneaky key>': 'sneaky-value' });
      expect(odd).toMatchObject({
        code: 'VALIDATION_FAILED',
        issues: [{ path: '', message: 'must not have additional properties' }],
      });
      expect(JSON.stringify(odd)).not.toMatch(/sneaky/);
    });

    it('reports wrong types and broken rules with JSON Pointer paths, without the value', async () => {
      const client = await as();
      const wrongType = await client.exchange({ type: 'join', room: 5 });
      expect(wrongType).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
      expect((wrongType['issues'] as { path: string }[]).every((issue) => issue.path === '/room')).toBe(true);
      const badRoom = await client.exchange({ type: 'join', room: 'Not A Room <marker-123>' });
      expect(badRoom).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: '/room' }] });
      expect(JSON.stringify(badRoom)).not.toContain('marker-123');
      const tooLong = await client.exchange({ type: 'announce', text: 'x'.repeat(2001) });
      expect(tooLong).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: '/text' }] });
      const missing = await client.exchange({ type: 'announce' });
      expect(missing).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((missing['issues'] as { path: string }[]).map((issue) => issue.path)).toEqual([
        '/text',
        '/text',
      ]);
    });
  });

  describe('WsAuthGuard, @Roles and @RequireClaims', () => {
    it('lets an admin announce and answers FORBIDDEN to a member, socket open', async () => {
      const admin = await as('alice');
      expect(await admin.exchange({ type: 'announce', text: 'hello' })).toEqual({
        type: 'announce',
        from: 'alice',
        text: 'hello',
      });
      const member = await as('bob');
      expect(await member.exchange({ type: 'announce', text: 'hello' })).toEqual({
        type: 'error',
        code: 'FORBIDDEN',
        message: 'forbidden',
      });
      expect(await member.exchange({ type: 'whoami' })).toMatchObject({ type: 'whoami', user: 'bob' });
    });

    it('checks required claims', async () => {
      const acme = await as('carol', { tenant: 'acme' });
      expect(await acme.exchange({ type: 'tenant' })).toEqual({ type: 'tenant', ok: true });
      const other = await as('dave', { tenant: 'umbrella' });
      expect(await other.exchange({ type: 'tenant' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    });
  });

  describe('WsGateExceptionFilter', () => {
    it('turns an unexpected error into INTERNAL_ERROR without stack or input, and logs it', async () => {
      const client = await as();
      const frame = await client.exchange({ type: 'boom', text: 'input-marker-42' });
      expect(frame).toEqual({ type: 'error', code: 'INTERNAL_ERROR', message: 'internal error' });
      expect(JSON.stringify(frame)).not.toMatch(STACK);
      expect(
        t.logger.lines.some((line) => line.level === 'error' && line.text.includes('database exploded')),
      ).toBe(true);
      expect(await client.exchange({ type: 'whoami' })).toMatchObject({ type: 'whoami' });
    });

    it('sends a WsGateMessageException as its frame and a string WsException as BAD_REQUEST', async () => {
      const client = await as();
      expect(await client.exchange({ type: 'refuse' })).toEqual({
        type: 'error',
        code: 'NOT_IN_ROOM',
        message: 'join the room first',
      });
      expect(await client.exchange({ type: 'ws-exception' })).toEqual({
        type: 'error',
        code: 'BAD_REQUEST',
        message: 'plain ws exception',
      });
    });
  });

  describe('adapter fallback for gateways without the filter', () => {
    it('still sends frames: INTERNAL_ERROR for a fault, FORBIDDEN for a denying guard, the frame of a WsGateMessageException', async () => {
      const result = await open(t.wsUrl('/raw', `ticket=${await t.ticket()}`));
      if (result.kind !== 'open') throw new Error('expected open');
      const client = result.client;
      clients.push(client);
      const fault = await client.exchange({ type: 'boom' });
      expect(fault).toEqual({ type: 'error', code: 'INTERNAL_ERROR', message: 'internal error' });
      expect(await client.exchange({ type: 'denied' })).toEqual({
        type: 'error',
        code: 'FORBIDDEN',
        message: 'forbidden',
      });
      expect(await client.exchange({ type: 'refuse' })).toEqual({
        type: 'error',
        code: 'NOT_IN_ROOM',
        message: 'join the room first',
      });
      expect(await client.exchange({ type: 'echo', a: 1 })).toEqual({
        type: 'echo',
        message: { type: 'echo', a: 1 },
      });
    });
  });

  describe('message guard closes', () => {
    it('closes with 1003 on a binary frame', async () => {
      const client = await as();
      client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
      expect((await client.closed).code).toBe(1003);
    });

    it('accepts a frame of exactly maxPayload (16384 bytes) and closes with 1009 above it', async () => {
      const client = await as();
      const fits = JSON.stringify({ type: 'join', room: 'a', pad: '' });
      const padded = JSON.stringify({ type: 'join', room: 'a', pad: 'x'.repeat(16_384 - fits.length) });
      expect(Buffer.byteLength(padded)).toBe(16_384);
      expect(await client.exchange(padded)).toMatchObject({ code: 'VALIDATION_FAILED' });
      client.send('x'.repeat(16_385));
      expect((await client.closed).code).toBe(1009);
    });

    it('closes with 4429 past the per-connection burst', async () => {
      const client = await as();
      for (let i = 0; i < 100; i += 1) client.send({ type: 'whoami' });
      const { code } = await client.closed;
      expect(code).toBe(4429);
      expect(client.frames.length).toBeLessThanOrEqual(41);
    });
  });
});
