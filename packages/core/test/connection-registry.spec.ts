import { describe, expect, it } from 'vitest';
import { CloseCode, createConnectionRegistry } from '../src/index.js';
import { FakeConnection } from './helpers.js';

function populated() {
  const registry = createConnectionRegistry<FakeConnection>();
  const a1 = new FakeConnection('alice/s1/a');
  const a2 = new FakeConnection('alice/s1/b');
  const a3 = new FakeConnection('alice/s2');
  const b1 = new FakeConnection('bob/s3');
  const anon = new FakeConnection('carol/no-session');
  const unregister = {
    a1: registry.add({ subject: 'alice', sessionId: 's1' }, a1),
    a2: registry.add({ subject: 'alice', sessionId: 's1' }, a2),
    a3: registry.add({ subject: 'alice', sessionId: 's2' }, a3),
    b1: registry.add({ subject: 'bob', sessionId: 's3' }, b1),
    anon: registry.add({ subject: 'carol', sessionId: undefined }, anon),
  };
  return { registry, sockets: { a1, a2, a3, b1, anon }, unregister };
}

describe('connection registry', () => {
  it('counts registered connections', () => {
    const { registry } = populated();
    expect(registry.size).toBe(5);
    expect(registry.connectionsOf('alice').map((socket) => socket.name)).toEqual([
      'alice/s1/a',
      'alice/s1/b',
      'alice/s2',
    ]);
    expect(registry.connectionsOf('nobody')).toEqual([]);
  });

  it('revokeSession closes exactly the sockets of that session with 4401', () => {
    const { registry, sockets } = populated();
    expect(registry.revokeSession('s1')).toBe(2);
    expect(sockets.a1.closes).toEqual([{ code: CloseCode.Unauthorized, reason: 'session revoked' }]);
    expect(sockets.a2.closes).toEqual([{ code: 4401, reason: 'session revoked' }]);
    for (const other of [sockets.a3, sockets.b1, sockets.anon]) expect(other.closes).toEqual([]);
  });

  it('revokeSubject closes exactly the sockets of that subject with 4401', () => {
    const { registry, sockets } = populated();
    expect(registry.revokeSubject('alice', 'account locked')).toBe(3);
    for (const socket of [sockets.a1, sockets.a2, sockets.a3])
      expect(socket.closes).toEqual([{ code: 4401, reason: 'account locked' }]);
    expect(sockets.b1.closes).toEqual([]);
    expect(sockets.anon.closes).toEqual([]);
    expect(registry.revokeSubject('carol')).toBe(1);
    expect(sockets.anon.closes).toEqual([{ code: 4401, reason: 'subject revoked' }]);
  });

  it('returns 0 for unknown sessions and subjects', () => {
    const { registry } = populated();
    expect(registry.revokeSession('nope')).toBe(0);
    expect(registry.revokeSubject('nope')).toBe(0);
  });

  it('unregister removes the connection from every index, once', () => {
    const { registry, sockets, unregister } = populated();
    unregister.a1();
    unregister.a1();
    expect(registry.size).toBe(4);
    expect(registry.revokeSession('s1')).toBe(1);
    expect(sockets.a1.closes).toEqual([]);
    unregister.a2();
    unregister.a3();
    expect(registry.revokeSubject('alice')).toBe(0);
    expect(registry.connectionsOf('alice')).toEqual([]);
    unregister.b1();
    unregister.anon();
    expect(registry.size).toBe(0);
  });

  it('follows a subject from one connection to several and back, in order', () => {
    const registry = createConnectionRegistry<FakeConnection>();
    const [x, y, z, w] = ['x', 'y', 'z', 'w'].map((name) => new FakeConnection(name)) as [
      FakeConnection,
      FakeConnection,
      FakeConnection,
      FakeConnection,
    ];
    const names = () => registry.connectionsOf('dana').map((socket) => socket.name);
    const offX = registry.add({ subject: 'dana', sessionId: 's' }, x);
    const offY = registry.add({ subject: 'dana', sessionId: 's' }, y);
    const offZ = registry.add({ subject: 'dana', sessionId: 's' }, z);
    expect(names()).toEqual(['x', 'y', 'z']);
    offX();
    offZ();
    expect(names()).toEqual(['y']);
    const offW = registry.add({ subject: 'dana', sessionId: 's' }, w);
    expect(names()).toEqual(['y', 'w']);
    // The same connection added twice is held once.
    const offWAgain = registry.add({ subject: 'dana', sessionId: 's' }, w);
    expect(names()).toEqual(['y', 'w']);
    expect(registry.revokeSession('s')).toBe(2);
    offY();
    offW();
    offWAgain();
    expect(names()).toEqual([]);
    expect(registry.revokeSubject('dana')).toBe(0);
    expect(registry.size).toBe(0);
  });

  it('removes a connection through remove() as through the function add returned, once', async () => {
    const registry = createConnectionRegistry<FakeConnection>();
    const principal = { subject: 'erin', sessionId: 's-erin' };
    const [a, b] = [new FakeConnection('a'), new FakeConnection('b')];
    const offA = registry.add(principal, a);
    registry.add(principal, b);
    registry.remove(principal, b);
    registry.remove(principal, b);
    expect(registry.connectionsOf('erin').map((socket) => socket.name)).toEqual(['a']);
    expect(registry.revokeSession('s-erin')).toBe(1);
    const emptied = registry.whenEmpty();
    offA();
    offA();
    await emptied;
    expect(registry.size).toBe(0);
    expect(registry.revokeSubject('erin')).toBe(0);
  });

  it('keeps closing the other sockets when one close throws', () => {
    const registry = createConnectionRegistry();
    const closed: string[] = [];
    registry.add({ subject: 'alice', sessionId: 's1' }, { close: () => closed.push('first') });
    registry.add(
      { subject: 'alice', sessionId: 's1' },
      {
        close: () => {
          throw new Error('socket already destroyed');
        },
      },
    );
    registry.add({ subject: 'alice', sessionId: 's1' }, { close: () => closed.push('third') });
    expect(() => registry.revokeSession('s1')).not.toThrow();
    expect(closed).toEqual(['first', 'third']);
    // Closed once: a second revocation neither closes nor counts them again; the socket whose
    // close threw is tried again and still not counted.
    expect(registry.revokeSubject('alice')).toBe(0);
    expect(closed).toEqual(['first', 'third']);
  });

  it('lets a close handler unregister during revocation', () => {
    const registry = createConnectionRegistry();
    const unregisters: (() => void)[] = [];
    for (let index = 0; index < 3; index += 1) {
      unregisters.push(
        registry.add({ subject: 'alice', sessionId: 's1' }, { close: () => unregisters[index]!() }),
      );
    }
    expect(registry.revokeSubject('alice')).toBe(3);
    expect(registry.size).toBe(0);
    expect(registry.revokeSession('s1')).toBe(0);
  });
});
