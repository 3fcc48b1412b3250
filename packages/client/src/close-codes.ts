import type { StopReason } from './types.js';

/**
 * What the client does when an open connection closes:
 * - `stop` — stop for good (`stopped` event with `reason`);
 * - `reconnect` — reconnect with a fresh ticket. `reauthenticate`: the first attempt waits only
 *   a short jitter (`reconnect.reauthenticateJitterMs`); `backoff`: the usual backoff delay.
 */
export type CloseAction =
  | { readonly kind: 'stop'; readonly reason: StopReason }
  | { readonly kind: 'reconnect'; readonly delay: 'reauthenticate' | 'backoff' };

const BACKOFF: CloseAction = { kind: 'reconnect', delay: 'backoff' };

/** The close codes the client treats specially; every other code reconnects with backoff. */
const ACTIONS: ReadonlyMap<number, CloseAction> = new Map<number, CloseAction>([
  // Re-authenticate: the server's connection lifetime was reached. Not a failure.
  [4000, { kind: 'reconnect', delay: 'reauthenticate' }],
  // Service restart: the server is draining; another instance (or this one, back) takes over.
  [1012, BACKOFF],
  // Not authenticated, or the session was revoked (logout).
  [4401, { kind: 'stop', reason: 'unauthenticated' }],
  // Authenticated but not allowed.
  [4403, { kind: 'stop', reason: 'forbidden' }],
]);

/** The client's reaction to close code `code` on a connection that was open. */
export function closeAction(code: number): CloseAction {
  return ACTIONS.get(code) ?? BACKOFF;
}
