// A throwaway redis-server on a free loopback port, for the Redis scenarios only.
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Starts `/usr/bin/redis-server` without persistence; returns `{ url, stop() }`. */
export async function startRedis() {
  const port = await freePort();
  const child = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let attempt = 0; attempt < 50 && !exited; attempt += 1) {
    if (await ping(port)) {
      return {
        url: `redis://127.0.0.1:${port}`,
        pid: child.pid,
        async stop() {
          if (exited) return;
          const gone = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          await gone;
          clearTimeout(timer);
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!exited) child.kill('SIGKILL');
  throw new Error(`redis-server did not answer PING on port ${port}`);
}
