// Client ↔ server messages on an open socket: identity, rooms, chat, announce, validation
// errors, hostile JSON, and the transport limits (binary, frame size, rate).
import { describe, expect, it } from 'vitest';
import { connect, connectAs, expectServerStillServes, expectWhoami } from './support/actors.js';
import { loginAs } from './support/http.js';
import { itKeepsSecretsOutOfLogs, SAMPLES, useSample } from './support/lifecycle.js';
import {
  announceWithText,
  chatWithText,
  errorWithCode,
  expectErrorFrame,
  mentions,
  ofType,
  uniqueMarker,
  uniqueRoom,
  type ErrorCode,
} from './support/messages.js';
import type { WsClient } from 'test-support/ws-client';

const MAX_FRAME_BYTES = 16_384;
/** The protocol's per-socket token bucket: 40 frames, refilled at 20 per second. */
const RATE_BURST = 40;

/** Sends `message` and asserts the answer is an error frame with `code` that echoes none of `mustNotContain`. */
async function expectError(
  client: WsClient,
  message: unknown,
  code: ErrorCode,
  mustNotContain: readonly string[] = [],
): Promise<void> {
  const frame = await client.exchange(message, (reply) => reply['type'] === 'error');
  expect(
    frame.message?.['code'],
    `error code for ${typeof message === 'string' ? message.slice(0, 80) : JSON.stringify(message)}`,
  ).toBe(code);
  expectErrorFrame(frame, code, mustNotContain);
  expect(client.isOpen).toBe(true);
}

/** Joins `room` and waits for the confirmation. */
async function join(client: WsClient, room: string): Promise<void> {
  const frame = await client.exchange(
    { type: 'join', room },
    (reply) => reply['type'] === 'joined' && reply['room'] === room,
  );
  expect(frame.message).toEqual({ type: 'joined', room });
}

/** A JSON text of exactly `bytes` bytes: a chat message whose text pads it out. */
function chatOfSize(bytes: number): string {
  const prefix = '{"type":"chat","room":"lobby","text":"';
  const suffix = '"}';
  return `${prefix}${'x'.repeat(bytes - prefix.length - suffix.length)}${suffix}`;
}

describe.each(SAMPLES)('%s: messages', (sampleName) => {
  const sample = useSample(sampleName);

  describe('welcome and identity', () => {
    it('welcomes alice with {"type":"welcome","user":"alice","roles":["admin"]}', async () => {
      const { welcome } = await connect(sample(), 'alice');
      expect(welcome.message).toEqual({ type: 'welcome', user: 'alice', roles: ['admin'] });
    });

    it('welcomes bob with {"type":"welcome","user":"bob","roles":["member"]}', async () => {
      const { welcome, client } = await connect(sample(), 'bob', { via: 'subprotocol' });
      expect(welcome.message).toEqual({ type: 'welcome', user: 'bob', roles: ['member'] });
      expect(client.frames[0]).toBe(welcome);
    });

    it('answers whoami with the identity from the ticket', async () => {
      await expectWhoami(await connectAs(sample(), 'alice'), 'alice');
      await expectWhoami(await connectAs(sample(), 'bob'), 'bob');
    });

    it('refuses a client-supplied identity (whoami with user/roles) with VALIDATION_FAILED', async () => {
      const bob = await connectAs(sample(), 'bob');
      await expectError(bob, { type: 'whoami', user: 'alice', roles: ['admin'] }, 'VALIDATION_FAILED');
      await expectWhoami(bob, 'bob');
    });
  });

  describe('rooms and chat', () => {
    it('join → {"type":"joined","room"}; joining again is idempotent', async () => {
      const alice = await connectAs(sample(), 'alice');
      const room = uniqueRoom();
      await join(alice, room);
      await join(alice, room);
      await join(alice, 'a');
      await join(alice, 'z'.repeat(32));
      await join(alice, 'a_b-9');
    });

    it('refuses invalid room names with VALIDATION_FAILED and stays open', async () => {
      const alice = await connectAs(sample(), 'alice');
      const marker = uniqueMarker();
      const invalid: unknown[] = [
        '',
        'a'.repeat(33),
        'Room',
        `${marker}!`,
        'a b',
        '../x',
        'é',
        `${marker}\n`,
        5,
        null,
        ['a'],
        { a: 1 },
      ];
      for (const room of invalid)
        await expectError(alice, { type: 'join', room }, 'VALIDATION_FAILED', [marker]);
      await expectError(alice, { type: 'join' }, 'VALIDATION_FAILED');
      expect(alice.seen(ofType('joined'))).toBe(false);
      await expectWhoami(alice, 'alice');
    });

    it('refuses chat in a room the sender has not joined with NOT_IN_ROOM', async () => {
      const alice = await connectAs(sample(), 'alice');
      const bob = await connectAs(sample(), 'bob');
      const room = uniqueRoom();
      await join(bob, room);
      const text = uniqueMarker('text-');
      await expectError(alice, { type: 'chat', room, text }, 'NOT_IN_ROOM');
      await bob.exchange({ type: 'whoami' }, ofType('whoami'));
      expect(bob.seen(mentions(text))).toBe(false);
    });

    it('delivers chat to every member, sender included, with server-set from and at', async () => {
      const alice = await connectAs(sample(), 'alice');
      const bob = await connectAs(sample(), 'bob');
      const room = uniqueRoom();
      await join(alice, room);
      await join(bob, room);
      const before = Date.now();
      const fromAlice = uniqueMarker('hello-');
      alice.send({ type: 'chat', room, text: fromAlice });
      const [aliceCopy, bobCopy] = await Promise.all([
        alice.next(chatWithText(fromAlice)),
        bob.next(chatWithText(fromAlice)),
      ]);
      const after = Date.now();
      const expected = { type: 'chat', room, from: 'alice', text: fromAlice, at: expect.any(Number) };
      expect(aliceCopy.message).toEqual(expected);
      expect(bobCopy.message).toEqual(expected);
      const at = aliceCopy.message?.['at'];
      expect(Number.isInteger(at)).toBe(true);
      expect(at).toBeGreaterThanOrEqual(before - 1_000);
      expect(at).toBeLessThanOrEqual(after + 1_000);
      const fromBob = uniqueMarker('reply-');
      bob.send({ type: 'chat', room, text: fromBob });
      expect((await alice.next(chatWithText(fromBob))).message).toMatchObject({
        type: 'chat',
        room,
        from: 'bob',
        text: fromBob,
      });
      expect((await bob.next(chatWithText(fromBob))).message).toMatchObject({ from: 'bob' });
    });

    it('does not deliver chat to sockets outside the room', async () => {
      const alice = await connectAs(sample(), 'alice');
      const bob = await connectAs(sample(), 'bob');
      const privateRoom = uniqueRoom();
      const sharedRoom = uniqueRoom();
      await join(alice, privateRoom);
      await join(alice, sharedRoom);
      await join(bob, sharedRoom);
      const secret = uniqueMarker('private-');
      alice.send({ type: 'chat', room: privateRoom, text: secret });
      await alice.next(chatWithText(secret));
      const barrier = uniqueMarker('shared-');
      alice.send({ type: 'chat', room: sharedRoom, text: barrier });
      await bob.next(chatWithText(barrier));
      expect(bob.seen(mentions(secret))).toBe(false);
    });

    it('accepts 1 and 2000 characters of text; refuses 2001 characters, empty or non-string text with VALIDATION_FAILED', async () => {
      const alice = await connectAs(sample(), 'alice');
      const room = uniqueRoom();
      await join(alice, room);
      for (const text of ['x', 'y'.repeat(2000)]) {
        expect(
          (await alice.exchange({ type: 'chat', room, text }, chatWithText(text))).message,
        ).toMatchObject({ from: 'alice', text });
      }
      const tooLong = `${uniqueMarker()}${'z'.repeat(2001)}`.slice(0, 2001);
      await expectError(alice, { type: 'chat', room, text: tooLong }, 'VALIDATION_FAILED', [
        tooLong.slice(0, 18),
      ]);
      await expectError(alice, { type: 'chat', room, text: '' }, 'VALIDATION_FAILED');
      await expectError(alice, { type: 'chat', room, text: 42 }, 'VALIDATION_FAILED');
      await expectError(alice, { type: 'chat', room }, 'VALIDATION_FAILED');
      expect(alice.seen((message) => message['type'] === 'chat' && message['text'] === tooLong)).toBe(false);
    });

    it('refuses a spoofed "from" with VALIDATION_FAILED and broadcasts nothing', async () => {
      const alice = await connectAs(sample(), 'alice');
      const bob = await connectAs(sample(), 'bob');
      const room = uniqueRoom();
      await join(alice, room);
      await join(bob, room);
      const text = uniqueMarker('spoof-');
      await expectError(bob, { type: 'chat', room, text, from: 'alice' }, 'VALIDATION_FAILED', [text]);
      await expectError(bob, { type: 'chat', room, text, at: 1 }, 'VALIDATION_FAILED', [text]);
      const barrier = uniqueMarker('after-');
      bob.send({ type: 'chat', room, text: barrier });
      await alice.next(chatWithText(barrier));
      expect(alice.seen(mentions(text))).toBe(false);
      expect(bob.seen(chatWithText(text))).toBe(false);
    });
  });

  describe('announce', () => {
    it('delivers an admin announce {"type":"announce","from","text"} to every socket, other users included', async () => {
      const alice = await connectAs(sample(), 'alice');
      const bob = await connectAs(sample(), 'bob');
      const otherBob = await connectAs(sample(), 'bob');
      const text = uniqueMarker('notice-');
      alice.send({ type: 'announce', text });
      const expected = { type: 'announce', from: 'alice', text };
      for (const client of [alice, bob, otherBob])
        expect((await client.next(announceWithText(text))).message).toEqual(expected);
    });

    it('refuses announce from a member with FORBIDDEN and broadcasts nothing', async () => {
      const alice = await connectAs(sample(), 'alice');
      const bob = await connectAs(sample(), 'bob');
      const text = uniqueMarker('fake-');
      await expectError(bob, { type: 'announce', text }, 'FORBIDDEN', [text]);
      await expectWhoami(alice, 'alice');
      expect(alice.seen(mentions(text))).toBe(false);
      expect(bob.seen(announceWithText(text))).toBe(false);
    });

    it('refuses a spoofed "from" or missing text in announce with VALIDATION_FAILED', async () => {
      const alice = await connectAs(sample(), 'alice');
      const bob = await connectAs(sample(), 'bob');
      const text = uniqueMarker('forged-');
      await expectError(alice, { type: 'announce', text, from: 'bob' }, 'VALIDATION_FAILED', [text]);
      await expectError(alice, { type: 'announce' }, 'VALIDATION_FAILED');
      await expectWhoami(bob, 'bob');
      expect(bob.seen(mentions(text))).toBe(false);
    });
    it('refuses an invalid announce from a member with VALIDATION_FAILED, not FORBIDDEN (validation before authorization), and broadcasts nothing', async () => {
      const alice = await connectAs(sample(), 'alice');
      const bob = await connectAs(sample(), 'bob');
      const text = uniqueMarker('member-');
      for (const invalid of [
        { type: 'announce' },
        { type: 'announce', text: '' },
        { type: 'announce', text: 'x'.repeat(2001) },
        { type: 'announce', text: 5 },
        { type: 'announce', text, from: 'alice' },
      ])
        await expectError(bob, invalid, 'VALIDATION_FAILED', [text]);
      // The same member's valid announce is still refused for its role.
      await expectError(bob, { type: 'announce', text }, 'FORBIDDEN', [text]);
      await expectWhoami(alice, 'alice');
      expect(alice.seen(mentions(text))).toBe(false);
    });
  });

  describe('malformed and hostile input', () => {
    it('answers unparsable JSON with BAD_JSON, without echoing the input, and stays open', async () => {
      const alice = await connectAs(sample(), 'alice');
      const marker = uniqueMarker();
      for (const text of [
        `{"type":"whoami","x":"${marker}"`,
        `${marker}`,
        `{${marker}}`,
        `<script>${marker}</script>`,
        '',
        '{"type":"whoami"}}',
      ]) {
        await expectError(alice, text, 'BAD_JSON', text === '' ? [] : [marker]);
      }
      await expectWhoami(alice, 'alice');
    });

    it('refuses a __proto__ key with BAD_JSON (never merged) and stays open', async () => {
      const alice = await connectAs(sample(), 'alice');
      await expectError(alice, '{"__proto__":{"polluted":true},"type":"whoami"}', 'BAD_JSON');
      await expectError(
        alice,
        '{"type":"chat","room":"lobby","text":"x","__proto__":{"from":"bob"}}',
        'BAD_JSON',
      );
      await expectError(alice, '{"type":"whoami","nested":{"__proto__":{"roles":["admin"]}}}', 'BAD_JSON');
      await expectWhoami(alice, 'alice');
      await expectServerStillServes(sample());
    });

    it('refuses a constructor.prototype key with BAD_JSON and stays open', async () => {
      const bob = await connectAs(sample(), 'bob');
      await expectError(bob, '{"type":"whoami","constructor":{"prototype":{"x":1}}}', 'BAD_JSON');
      await expectError(
        bob,
        '{"constructor":{"prototype":{"roles":["admin"]}},"type":"announce","text":"x"}',
        'BAD_JSON',
      );
      await expectWhoami(bob, 'bob');
      await expectError(bob, { type: 'announce', text: 'still a member' }, 'FORBIDDEN');
    });

    it('refuses a constructor or hasOwnProperty key beside a valid message with VALIDATION_FAILED, never dropping it silently', async () => {
      const alice = await connectAs(sample(), 'alice');
      const room = uniqueRoom();
      for (const text of [
        '{"type":"whoami","constructor":1}',
        `{"type":"join","room":"${room}","hasOwnProperty":1}`,
        `{"type":"join","room":"${room}","toString":"x"}`,
        '{"type":"whoami","valueOf":{}}',
      ])
        await expectError(alice, text, 'VALIDATION_FAILED');
      // The refused join did not happen.
      await expectError(alice, { type: 'chat', room, text: 'x' }, 'NOT_IN_ROOM');
      await expectWhoami(alice, 'alice');
    });

    it('refuses non-object JSON ([], "x", 1, null, true) with VALIDATION_FAILED', async () => {
      const alice = await connectAs(sample(), 'alice');
      for (const text of ['[]', '"x"', '1', 'null', 'true', '[{"type":"whoami"}]'])
        await expectError(alice, text, 'VALIDATION_FAILED');
      await expectWhoami(alice, 'alice');
    });

    it('refuses unknown types, a missing type, wrong property types and extra properties with VALIDATION_FAILED, echoing no value', async () => {
      const alice = await connectAs(sample(), 'alice');
      const marker = uniqueMarker();
      const invalid: unknown[] = [
        { type: marker },
        { type: `<img src=x onerror=alert(1)>${marker}` },
        {},
        { room: 'lobby' },
        { type: 5 },
        { type: null },
        { type: ['whoami'] },
        { type: 'WHOAMI' },
        { type: 'join', room: 5 },
        { type: 'whoami', extra: marker },
        { type: 'join', room: 'lobby', text: marker },
      ];
      for (const message of invalid) await expectError(alice, message, 'VALIDATION_FAILED', [marker]);
      await expectWhoami(alice, 'alice');
    });

    it('error frames have exactly type, code, message (+ issues), no stack, for every error code', async () => {
      const alice = await connectAs(sample(), 'alice');
      const bob = await connectAs(sample(), 'bob');
      const frames = [
        { code: 'BAD_JSON', frame: await alice.exchange('{', errorWithCode('BAD_JSON')) },
        {
          code: 'VALIDATION_FAILED',
          frame: await alice.exchange({ type: 'nope' }, errorWithCode('VALIDATION_FAILED')),
        },
        {
          code: 'NOT_IN_ROOM',
          frame: await alice.exchange(
            { type: 'chat', room: uniqueRoom(), text: 'x' },
            errorWithCode('NOT_IN_ROOM'),
          ),
        },
        {
          code: 'FORBIDDEN',
          frame: await bob.exchange({ type: 'announce', text: 'x' }, errorWithCode('FORBIDDEN')),
        },
      ] as const;
      for (const { code, frame } of frames) {
        expectErrorFrame(frame, code);
        expect(frame.message && 'stack' in frame.message).toBe(false);
      }
      expect(alice.isOpen && bob.isOpen).toBe(true);
    });
  });

  describe('transport limits', () => {
    it('closes with 1003 on a binary frame', async () => {
      const alice = await connectAs(sample(), 'alice');
      alice.sendBinary(Buffer.from('{"type":"whoami"}'));
      expect((await alice.waitForClose()).code).toBe(1003);
      expect(alice.seen(ofType('whoami'))).toBe(false);
      await expectServerStillServes(sample());
    });

    it('closes with 1009 on a 16385-byte text frame', async () => {
      const alice = await connectAs(sample(), 'alice');
      const frame = chatOfSize(MAX_FRAME_BYTES + 1);
      expect(Buffer.byteLength(frame)).toBe(MAX_FRAME_BYTES + 1);
      alice.send(frame);
      expect((await alice.waitForClose()).code).toBe(1009);
      await expectServerStillServes(sample());
    });

    it('accepts a 16384-byte frame: bad JSON of that size gets BAD_JSON and the socket stays open', async () => {
      const alice = await connectAs(sample(), 'alice');
      const marker = uniqueMarker();
      const frame = `{"${marker}${'x'.repeat(MAX_FRAME_BYTES - marker.length - 2)}`;
      expect(Buffer.byteLength(frame)).toBe(MAX_FRAME_BYTES);
      const reply = await alice.exchange(frame, (message) => message['type'] === 'error');
      expectErrorFrame(reply, 'BAD_JSON', [marker]);
      expect(reply.raw.length).toBeLessThan(2_000);
      expect(alice.isOpen).toBe(true);
      const valid = chatOfSize(MAX_FRAME_BYTES);
      await expectError(alice, valid, 'VALIDATION_FAILED');
      await expectWhoami(alice, 'alice');
    });

    it(`answers the first ${RATE_BURST} frames of a ${RATE_BURST + 20}-frame burst, then closes with 4429`, async () => {
      const alice = await connectAs(sample(), 'alice');
      for (let i = 0; i < RATE_BURST + 20; i += 1) alice.send({ type: 'whoami' });
      expect((await alice.waitForClose(5_000)).code).toBe(4429);
      const answered = alice.frames.filter((frame) => frame.message?.['type'] === 'whoami').length;
      // The bucket holds 40 and refills at 20 a second: a few more may be answered if the
      // burst took that long to arrive, never all 60.
      expect(answered).toBeGreaterThanOrEqual(RATE_BURST);
      expect(answered).toBeLessThan(RATE_BURST + 20);
      await expectServerStillServes(sample());
    });

    it("closes a flooding socket (100 frames at once) with 4429; the same user's other socket keeps working", async () => {
      const session = await loginAs(sample(), 'alice');
      const flooder = (await connect(sample(), 'alice', { session })).client;
      const sibling = (await connect(sample(), 'alice', { session })).client;
      const bystander = await connectAs(sample(), 'bob');
      for (let i = 0; i < 100; i += 1) flooder.send({ type: 'whoami' });
      expect((await flooder.waitForClose(5_000)).code).toBe(4429);
      const answered = flooder.frames.filter((frame) => frame.message?.['type'] === 'whoami').length;
      expect(answered).toBeGreaterThanOrEqual(1);
      expect(answered).toBeLessThan(60);
      expect(sibling.isOpen).toBe(true);
      await expectWhoami(sibling, 'alice');
      await expectWhoami(bystander, 'bob');
      await expectServerStillServes(sample());
    });
  });

  itKeepsSecretsOutOfLogs(sample);
});
