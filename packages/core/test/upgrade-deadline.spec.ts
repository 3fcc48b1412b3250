import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpgradeDeadline } from '../src/upgrade-guard.js';

// The deadline of one upgrade: what it holds (a connection slot) is given back whichever way the
// upgrade fails — the client leaves, or the deadline passes — and never once it completed.

class FakeSocket extends EventEmitter {
  destroyed = false;
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

function heldSlot() {
  return { release: vi.fn() };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('upgrade deadline', () => {
  it('gives the slot back at once when the client leaves before the upgrade completes', () => {
    const socket = new FakeSocket();
    const deadline = new UpgradeDeadline(socket, 1_000);
    const slot = heldSlot();
    deadline.hold(slot);
    socket.destroy();
    expect(slot.release).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(2_000);
    expect(slot.release).toHaveBeenCalledTimes(1);
    expect(socket.listenerCount('close')).toBe(0);
  });

  it('gives the slot back at once when the client was already gone', () => {
    const socket = new FakeSocket();
    const deadline = new UpgradeDeadline(socket, 1_000);
    socket.destroy();
    const slot = heldSlot();
    deadline.hold(slot);
    expect(slot.release).toHaveBeenCalledTimes(1);
  });

  it('no longer listens to close once told to stop, and still gives the slot back at the deadline', () => {
    const socket = new FakeSocket();
    const deadline = new UpgradeDeadline(socket, 1_000);
    const slot = heldSlot();
    deadline.hold(slot);
    deadline.stopWatchingClose();
    expect(socket.listenerCount('close')).toBe(0);
    socket.destroyed = true; // the client left; nobody is told
    expect(slot.release).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(slot.release).toHaveBeenCalledTimes(1);
  });

  it('destroys a socket whose upgrade never completes, and gives its slot back', () => {
    const socket = new FakeSocket();
    const deadline = new UpgradeDeadline(socket, 1_000);
    const slot = heldSlot();
    deadline.hold(slot);
    vi.advanceTimersByTime(999);
    expect(socket.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(socket.destroyed).toBe(true);
    expect(slot.release).toHaveBeenCalledTimes(1);
  });

  it('keeps the slot and the socket once the upgrade completed', () => {
    const socket = new FakeSocket();
    const deadline = new UpgradeDeadline(socket, 1_000);
    const slot = heldSlot();
    deadline.hold(slot);
    deadline.upgraded();
    vi.advanceTimersByTime(5_000);
    socket.destroy();
    expect(slot.release).not.toHaveBeenCalled();
    expect(socket.listenerCount('close')).toBe(0);
  });
});
