import { describe, expect, it } from 'vitest';
import { ChatRooms, eventData, welcomeFrame } from '../src/index.js';

describe('ChatRooms', () => {
  it('refuses a join past the per-socket cap with TOO_MANY_ROOMS; joining a joined room still works', () => {
    const rooms = new ChatRooms<string>(2);
    expect(rooms.join('s1', 'a')).toEqual({ ok: true, reply: { type: 'joined', room: 'a' } });
    expect(rooms.join('s1', 'b').ok).toBe(true);
    const refused = rooms.join('s1', 'c');
    expect(refused).toMatchObject({ ok: false, code: 'TOO_MANY_ROOMS' });
    expect(rooms.join('s1', 'a')).toEqual({ ok: true, reply: { type: 'joined', room: 'a' } });
    expect(rooms.join('s2', 'c').ok, 'the cap is per socket').toBe(true);
    expect(rooms.chat('s1', 'alice', 'c', 'hi')).toMatchObject({ ok: false, code: 'NOT_IN_ROOM' });
  });

  it("sends a chat to the room's members only, and forgets a socket that left", () => {
    const rooms = new ChatRooms<string>(10);
    rooms.join('s1', 'a');
    rooms.join('s2', 'a');
    rooms.join('s3', 'b');
    const chat = rooms.chat('s1', 'alice', 'a', 'hi');
    expect(chat).toMatchObject({ ok: true, frame: { type: 'chat', room: 'a', from: 'alice', text: 'hi' } });
    expect(chat.ok && chat.recipients).toEqual(['s1', 's2']);
    rooms.leaveAll('s2');
    const after = rooms.chat('s1', 'alice', 'a', 'again');
    expect(after.ok && after.recipients).toEqual(['s1']);
    expect(rooms.chat('s2', 'bob', 'a', 'gone')).toMatchObject({ ok: false, code: 'NOT_IN_ROOM' });
  });
});

describe('eventData', () => {
  it('is the frame without its type (the Socket.IO event name), the frame left as it was', () => {
    const frame = welcomeFrame('alice', ['admin']);
    expect(eventData(frame)).toEqual({ user: 'alice', roles: ['admin'] });
    expect(frame).toEqual({ type: 'welcome', user: 'alice', roles: ['admin'] });
  });
});
