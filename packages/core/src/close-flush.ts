/**
 * Calls `close` once every promise of `pending` has settled (the replies of messages being
 * handled are out), or after `flushMs`, whichever comes first; at once when nothing is pending.
 * `close` is called once. The timer does not keep the process alive.
 *
 * @example
 * closeWhenSettled([...pendingReplies], 250, () => socket.close(4429, 'rate limited'));
 */
export function closeWhenSettled(
  pending: readonly PromiseLike<unknown>[],
  flushMs: number,
  close: () => void,
): void {
  if (pending.length === 0) {
    close();
    return;
  }
  let closed = false;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    close();
  };
  const timer = setTimeout(finish, flushMs);
  timer.unref();
  void Promise.allSettled(pending).then(finish);
}
