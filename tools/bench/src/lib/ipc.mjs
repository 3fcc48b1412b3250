// Request/response over the child_process IPC channel, with a timeout on every call.
import { fork } from 'node:child_process';

/**
 * Forks `modulePath` and returns a small RPC client: `call(cmd, args, timeoutMs)` sends
 * `{ id, cmd, args }` and resolves with the child's `result` (or rejects with its error).
 */
export function forkRpc(modulePath, { execArgv = [], env = process.env, name = modulePath } = {}) {
  const child = fork(modulePath, [], {
    execArgv,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  child.on('message', (message) => {
    const entry = pending.get(message.id);
    if (entry === undefined) return;
    pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.ok) entry.resolve(message.result);
    else entry.reject(new Error(`${name}: ${message.error}`));
  });
  child.on('exit', (code, signal) => {
    exited = true;
    for (const entry of pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(new Error(`${name} exited (code ${code}, signal ${signal}) during ${entry.cmd}`));
    }
    pending.clear();
  });
  return {
    child,
    get exited() {
      return exited;
    },
    call(cmd, args = {}, timeoutMs = 60_000) {
      if (exited) return Promise.reject(new Error(`${name} has exited`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${cmd} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer, cmd });
        child.send({ id, cmd, args });
      });
    },
    /** Asks the child to exit, then kills it (this child only) if it has not within `graceMs`. */
    async stop(graceMs = 5_000) {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      try {
        await this.call('exit', {}, graceMs);
      } catch {
        // The child exits before it can answer; the exit event is what counts.
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Child side: answers `{ id, cmd, args }` messages with `handlers[cmd](args)`. `exit` is built in. */
export function serveRpc(handlers) {
  process.on('message', async (message) => {
    const { id, cmd, args } = message;
    if (cmd === 'exit') {
      try {
        await handlers.exit?.();
      } finally {
        process.send({ id, ok: true, result: null }, () => process.exit(0));
      }
      return;
    }
    const handler = handlers[cmd];
    try {
      if (handler === undefined) throw new Error(`unknown command ${cmd}`);
      const result = await handler(args);
      process.send({ id, ok: true, result });
    } catch (error) {
      process.send({ id, ok: false, error: error instanceof Error ? `${error.message}` : String(error) });
    }
  });
  // The parent is gone: nothing left to serve.
  process.on('disconnect', () => process.exit(0));
}
