import { describe, expect, it } from 'vitest';
import { closeAction } from '../src/close-codes.js';
import { connect, type RetryInfo } from '../src/index.js';
import { fakeStack } from './support/fakes.js';
import { once } from './support/helpers.js';

describe('close codes', () => {
  it('maps every code the client reacts to, and reconnects with backoff on any other', () => {
    expect(closeAction(4000)).toEqual({ kind: 'reconnect', delay: 'reauthenticate' });
    expect(closeAction(1012)).toEqual({ kind: 'reconnect', delay: 'backoff' });
    expect(closeAction(4401)).toEqual({ kind: 'stop', reason: 'unauthenticated' });
    expect(closeAction(4403)).toEqual({ kind: 'stop', reason: 'forbidden' });
    for (const code of [1000, 1001, 1005, 1006, 1008, 1011, 1013, 4408, 4429, 4999])
      expect(closeAction(code)).toEqual({ kind: 'reconnect', delay: 'backoff' });
  });

  it('defaults: after 4000 the first wait is below 250 ms (jitter only), after 1012 below 500 ms (backoff)', async () => {
    const stack = fakeStack();
    const client = connect({
      ...stack.options,
      reconnect: { random: () => 0.999_999, timers: stack.timers },
    });
    const retries: RetryInfo[] = [];
    client.on('retry', (info) => retries.push(info));
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));

    (await stack.openNext()).serverClose(4000, 'connection lifetime reached');
    stack.timers.runAll();
    (await stack.openNext()).serverClose(1012, 'service restart');
    stack.timers.runAll();
    await stack.openNext();

    expect(retries).toEqual([
      { attempt: 1, delayMs: 249 },
      { attempt: 1, delayMs: 499 },
    ]);
    expect(stack.timers.delays).toEqual([249, 499]);
    expect(errors).toEqual([]);
    expect(client.state).toBe('open');
    // every attempt presented its own ticket
    expect(stack.sockets.map((s) => s.protocols)).toEqual([
      ['wsgate', 'wsgate.ticket.ticket-1'],
      ['wsgate', 'wsgate.ticket.ticket-2'],
      ['wsgate', 'wsgate.ticket.ticket-3'],
    ]);
    client.close();
  });

  it('4000 counts toward maxAttempts like any retry', async () => {
    const stack = fakeStack();
    const client = connect({
      ...stack.options,
      reconnect: { maxAttempts: 0, timers: stack.timers },
    });
    const stopped = once(client, 'stopped');
    (await stack.openNext()).serverClose(4000);
    expect(await stopped).toEqual({ reason: 'retries-exhausted' });
    expect(stack.timers.delays).toEqual([]);
  });

  it.each([
    [4401, 'unauthenticated'],
    [4403, 'forbidden'],
  ] as const)('%i stays terminal: stopped, nothing scheduled', async (code, reason) => {
    const stack = fakeStack();
    const client = connect({ ...stack.options, reconnect: { timers: stack.timers } });
    const stopped = once(client, 'stopped');
    (await stack.openNext()).serverClose(code);
    expect(await stopped).toEqual({ reason, closeCode: code });
    expect(stack.timers.delays).toEqual([]);
    expect(stack.sockets).toHaveLength(1);
  });
});
