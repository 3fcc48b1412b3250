import { describe, expect, it } from 'vitest';
import { SocketContext, UpgradeContext, type Principal } from '../src/index.js';

/** A connection whose principal a session re-check replaces (as an admitted connection's). */
function connectionOf(subject: string) {
  const connection: { principal: Principal } = {
    principal: { subject, sessionId: undefined, claims: { roles: ['user'] }, issuedAt: 0 },
  };
  return connection;
}

describe('UpgradeContext', () => {
  it("reads the connection's current principal and keeps the upgrade's address and Origin", () => {
    const connection = connectionOf('alice');
    const context = new UpgradeContext(connection, {
      clientIp: '127.0.0.1',
      origin: 'https://app.example.com',
    });
    expect(context.principal.subject).toBe('alice');
    expect([context.clientIp, context.origin]).toEqual(['127.0.0.1', 'https://app.example.com']);
    connection.principal = { ...connection.principal, claims: { roles: ['admin'] } };
    expect(context.principal.claims).toEqual({ roles: ['admin'] });
  });
});

describe('SocketContext', () => {
  it('binds send to its socket, once, so that handlers may take it apart', () => {
    const sent: [string, object | string][] = [];
    const connection = connectionOf('bob');
    const context = new SocketContext(connection, 'socket-1', (socket: string, frame: object | string) => {
      sent.push([socket, frame]);
    });
    const { send, socket } = context;
    send({ type: 'pong' });
    context.send('text');
    expect(sent).toEqual([
      ['socket-1', { type: 'pong' }],
      ['socket-1', 'text'],
    ]);
    expect(context.send).toBe(send);
    expect(socket).toBe('socket-1');
    connection.principal = { ...connection.principal, subject: 'bob' };
    expect(context.principal).toBe(connection.principal);
  });
});
