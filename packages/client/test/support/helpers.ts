import type { ClientEvents, MessageOf, WsGateClient } from '../../src/index.js';
import { WebSocket } from 'ws';

export { WebSocket };

/** Fast, deterministic reconnect settings for real-socket tests. */
export const fastReconnect = { initialDelayMs: 10, maxDelayMs: 40, factor: 2, random: () => 0.5 };

/** Resolves with the first payload of `event` that satisfies `predicate`. */
export function once<T, K extends keyof ClientEvents>(
  client: WsGateClient<T>,
  event: K,
  predicate: (payload: ClientEvents<MessageOf<T>>[K]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<ClientEvents<MessageOf<T>>[K]> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for '${event}'`));
    }, timeoutMs);
    const off = client.on(event, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timeout);
      off();
      resolve(payload);
    });
  });
}

/** Polls `predicate` until it holds (real sockets: the event loop must run). */
export async function until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Records every lifecycle event of a client, in order. */
export function record<T>(client: WsGateClient<T>): { name: keyof ClientEvents; payload: unknown }[] {
  const events: { name: keyof ClientEvents; payload: unknown }[] = [];
  const names: (keyof ClientEvents)[] = ['state', 'close', 'error', 'stopped', 'retry', 'message'];
  for (const name of names) client.on(name, (payload: unknown) => events.push({ name, payload }));
  return events;
}

/** Lets pending I/O and timers of `ms` settle (used only to assert that nothing more happens). */
export function quiet(ms = 150): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
