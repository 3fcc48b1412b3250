// Events on the Socket.IO sample (docs/demo-protocol.md, "Socket.IO mapping", "Events" and
// "Errors"): acknowledgements, rooms and broadcasts, identity from the ticket, validation of
// every event before authorization, errors to the acknowledgement or as `exception`, never
// echoing the client's input.
import { describe, expect, it } from 'vitest';
import { uniqueMarker, uniqueRoom } from '../support/messages.js';
import {
  connectIoAs,
  disconnectIoClientsAfterEach,
  expectAckError,
  expectIoError,
  expectIoStillServes,
  expectIoWhoami,
  itKeepsSecretsOutOfLogs,
  SOCKET_IO_SAMPLE,
  useSample,
} from './support.js';

const hasText = (text: string) => (payload: unknown) => (payload as { text?: unknown }).text === text;

describe(`${SOCKET_IO_SAMPLE}: Socket.IO events`, () => {
  const sample = useSample(SOCKET_IO_SAMPLE);
  disconnectIoClientsAfterEach();

  describe('the chat', () => {
    it('join, chat to every member of the room (sender included), whoami, with acknowledgements', async () => {
      const { client: alice } = await connectIoAs(sample(), 'alice');
      const { client: bob } = await connectIoAs(sample(), 'bob');
      const { client: outsider } = await connectIoAs(sample(), 'bob');
      const room = uniqueRoom();
      expect(await alice.ack('join', { room })).toEqual({ ok: true, room });
      expect(await bob.ack('join', { room })).toEqual({ ok: true, room });
      expect(await bob.ack('join', { room }), 'joining again').toEqual({ ok: true, room });
      const text = uniqueMarker('hello ');
      const before = Date.now();
      expect(await alice.ack('chat', { room, text })).toEqual({ ok: true });
      for (const member of [alice, bob]) {
        const chat = (await member.next('chat', hasText(text))) as Record<string, unknown>;
        expect(chat).toEqual({ room, from: 'alice', text, at: expect.any(Number) });
        expect(Number.isInteger(chat['at']) && (chat['at'] as number) >= before - 1_000).toBe(true);
      }
      expect(await outsider.ack('whoami')).toEqual({ ok: true, user: 'bob', roles: ['member'] });
      expect(outsider.received('chat')).toEqual([]);
      expect(await outsider.ack('whoami', {}), 'whoami with {}').toMatchObject({ ok: true });
    });

    it('NOT_IN_ROOM for a chat to a room not joined, nothing delivered, the socket connected', async () => {
      const { client: alice } = await connectIoAs(sample(), 'alice');
      const { client: bob } = await connectIoAs(sample(), 'bob');
      const room = uniqueRoom();
      await alice.ack('join', { room });
      const text = uniqueMarker('intruder ');
      expectAckError(await bob.ack('chat', { room, text }), 'NOT_IN_ROOM', [text]);
      await expectIoWhoami(bob, 'bob');
      expect(alice.received('chat')).toEqual([]);
    });

    it('announce: an admin reaches every connected socket; a member gets FORBIDDEN and nothing is sent', async () => {
      const { client: alice } = await connectIoAs(sample(), 'alice');
      const { client: bob } = await connectIoAs(sample(), 'bob');
      const text = uniqueMarker('news ');
      expect(await alice.ack('announce', { text })).toEqual({ ok: true });
      for (const client of [alice, bob])
        expect(await client.next('announce', hasText(text))).toEqual({ from: 'alice', text });
      const forged = uniqueMarker('forged ');
      expectAckError(await bob.ack('announce', { text: forged }), 'FORBIDDEN', [forged]);
      await expectIoWhoami(bob, 'bob');
      expect(alice.received('announce').filter(hasText(forged))).toEqual([]);
    });
  });

  describe('validation', () => {
    it('VALIDATION_FAILED for an unknown event (/0), an extra argument (/2), a wrong type and a broken rule (/1/room)', async () => {
      const { client } = await connectIoAs(sample(), 'alice');
      const unknown = await client.ack('shutdown', {});
      expectAckError(unknown, 'VALIDATION_FAILED');
      expect(unknown).toMatchObject({ error: { issues: [{ path: '/0' }] } });
      const extraArgument = await client.ack('join', { room: 'lobby' }, 'more');
      expectAckError(extraArgument, 'VALIDATION_FAILED', ['more']);
      expect(extraArgument).toMatchObject({ error: { issues: [{ path: '/2' }] } });
      for (const payload of [{ room: 5 }, { room: 'Not A Room <marker-771>' }, 'lobby', null, []]) {
        const answer = await client.ack('join', payload);
        expectAckError(answer, 'VALIDATION_FAILED', ['marker-771']);
        const paths = (answer as { error: { issues: { path: string }[] } }).error.issues.map(
          (issue) => issue.path,
        );
        expect(
          paths.every((path) => path === '/1/room' || path === '/1'),
          JSON.stringify(payload),
        ).toBe(true);
      }
      expect(await client.ack('join', { room: 'still-here' })).toMatchObject({ ok: true });
    });

    it('VALIDATION_FAILED for an extra property, named when it is a plain identifier, never with its value', async () => {
      const { client } = await connectIoAs(sample(), 'bob');
      const extra = await client.ack('join', { room: 'lobby', admin: 'sneaky-value' });
      expectAckError(extra, 'VALIDATION_FAILED', ['sneaky-value']);
      expect(extra).toMatchObject({
        error: { issues: [{ path: '/1/admin', message: 'must not have additional properties' }] },
      });
      const odd = await client.ack('join', { room: 'lobby', '<sneaky key>': 'sneaky-value' });
      expectAckError(odd, 'VALIDATION_FAILED', ['sneaky']);
      expectAckError(await client.ack('whoami', { user: 'alice' }), 'VALIDATION_FAILED', ['alice']);
    });

    it('spoofed sender: a chat carrying from/at/user is VALIDATION_FAILED and nothing is broadcast', async () => {
      const { client: mallory } = await connectIoAs(sample(), 'bob');
      const { client: alice } = await connectIoAs(sample(), 'alice');
      const room = uniqueRoom();
      await mallory.ack('join', { room });
      await alice.ack('join', { room });
      const text = uniqueMarker('spoof ');
      for (const spoof of [{ from: 'alice' }, { at: 1 }, { user: 'alice' }]) {
        const answer = await mallory.ack('chat', { room, text, ...spoof });
        expectAckError(answer, 'VALIDATION_FAILED', [text]);
        expect(answer).toMatchObject({ error: { issues: [{ path: `/1/${Object.keys(spoof)[0]}` }] } });
      }
      expect(await mallory.ack('chat', { room, text: 'real' })).toEqual({ ok: true });
      expect(await alice.next('chat', hasText('real'))).toMatchObject({ from: 'bob' });
      expect([...alice.received('chat'), ...mallory.received('chat')].filter(hasText(text))).toEqual([]);
    });

    it('validation before authorization: a member announcing with an extra property is VALIDATION_FAILED, not FORBIDDEN', async () => {
      const { client } = await connectIoAs(sample(), 'bob');
      expectAckError(await client.ack('announce', { text: 'hi', from: 'alice' }), 'VALIDATION_FAILED');
      expectAckError(await client.ack('announce', { text: 'x'.repeat(2001) }), 'VALIDATION_FAILED');
      expectAckError(await client.ack('announce', { text: 'hi' }), 'FORBIDDEN');
    });

    it('BAD_JSON for prototype-poisoning keys at any depth, the socket connected', async () => {
      const { client } = await connectIoAs(sample(), 'alice');
      for (const text of [
        '{"room":"lobby","__proto__":{"admin":true}}',
        '{"room":"lobby","nested":{"constructor":{"prototype":{"admin":true}}}}',
      ]) {
        expectAckError(await client.ack('join', JSON.parse(text)), 'BAD_JSON', ['admin']);
      }
      await expectIoWhoami(client, 'alice');
    });

    it('sends the error as an exception event when the client asked for no acknowledgement', async () => {
      const { client } = await connectIoAs(sample(), 'bob');
      client.emit('announce', { text: 'hi' });
      expectIoError(await client.next('exception'), 'FORBIDDEN');
      client.emit('join', { room: 'lobby', from: 'alice' });
      expectIoError(
        await client.next('exception', (error) => (error as { code?: unknown }).code === 'VALIDATION_FAILED'),
        'VALIDATION_FAILED',
      );
      client.emit('nope');
      await expect.poll(() => client.received('exception').length, { timeout: 3_000 }).toBe(3);
      expect(client.connected).toBe(true);
      await expectIoStillServes(sample());
    });
  });

  itKeepsSecretsOutOfLogs(sample);
});
