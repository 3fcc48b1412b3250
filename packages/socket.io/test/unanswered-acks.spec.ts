import { describe, expect, it } from 'vitest';
import { UnansweredAcks } from '../src/unanswered-acks.js';

// The acknowledgements handed to listeners: a close waits (bounded) for the ones not answered yet,
// and a listener that never answers leaves nothing behind but a count.

/** Whether `promise` settled by the end of the current microtask queue. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('UnansweredAcks', () => {
  it('has nothing to wait for while no acknowledgement is outstanding', () => {
    const acks = new UnansweredAcks();
    expect(acks.allAnswered()).toBeUndefined();
    acks.wrap(() => undefined)();
    expect(acks.allAnswered()).toBeUndefined();
  });

  it('passes every call through, and settles once each acknowledgement was answered (a second call counts once)', async () => {
    const acks = new UnansweredAcks();
    const calls: unknown[][] = [];
    const first = acks.wrap((...args) => calls.push(args));
    const second = acks.wrap((...args) => calls.push(args));
    const waiting = acks.allAnswered();
    expect(waiting).toBeDefined();
    first({ ok: true });
    first('again');
    expect(await settled(waiting!)).toBe(false);
    second();
    expect(await settled(waiting!)).toBe(true);
    expect(calls).toEqual([[{ ok: true }], ['again'], []]);
    expect(acks.allAnswered()).toBeUndefined();
  });

  it('keeps one promise however many acknowledgements are never answered', () => {
    const acks = new UnansweredAcks();
    for (let index = 0; index < 10_000; index += 1) acks.wrap(() => undefined);
    const waiting = acks.allAnswered();
    expect(acks.allAnswered()).toBe(waiting);
  });
});
