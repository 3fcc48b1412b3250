// The server process: one stack per process, driven over IPC by run.mjs. Started with
// --expose-gc (for the memory scenario) and, when profiling, --cpu-prof.
import { performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { writeHeapSnapshot } from 'node:v8';
import { createTicketService } from '@wsgate/core';
import { serveRpc } from './ipc.mjs';
import { ORIGIN, subjectOf } from './protocol.mjs';
import { createRawRedisPair, createTicketStore } from './ticket-stores.mjs';

let server;
let profiler;

function cpuSample() {
  const { user, system } = process.cpuUsage();
  return { cpuUs: user + system, wallMs: performance.now() };
}

async function settleGc() {
  if (typeof global.gc !== 'function') throw new Error('server-host needs --expose-gc');
  // Several passes, with a turn of the event loop between them, so weak/finalised objects go too.
  for (let pass = 0; pass < 4; pass += 1) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * One issue+redeem pair at a time, by store kind: through core's ticket service on the store, or
 * (`'redis-raw'`) the raw ioredis reference pair, which stores the same record.
 */
async function pairRunner(storeKind, redisUrl) {
  if (storeKind === 'redis-raw') {
    const raw = await createRawRedisPair({ redisUrl });
    return {
      async run(subject) {
        const issuedAt = Date.now();
        await raw.pair({
          v: 1,
          subject,
          sessionId: `s-${subject}`,
          claims: { roles: ['user'] },
          ip: '127.0.0.1',
          origin: ORIGIN,
          issuedAt,
          expiresAt: issuedAt + 30_000,
        });
      },
      close: () => raw.close(),
    };
  }
  const store = await createTicketStore(storeKind, { redisUrl });
  const tickets = createTicketService(store === undefined ? {} : { store });
  const context = { ip: '127.0.0.1', origin: ORIGIN };
  return {
    async run(subject) {
      const { ticket } = await tickets.issue({
        subject,
        sessionId: `s-${subject}`,
        claims: { roles: ['user'] },
        ip: '127.0.0.1',
        origin: ORIGIN,
      });
      const redeemed = await tickets.redeem(ticket, context);
      if (!redeemed.ok) throw new Error(`redeem refused: ${redeemed.reason}`);
    },
    close: () => tickets.close(),
  };
}

/** Issue+redeem pairs, `inFlight` chains at once, bounded in count and time. */
async function ticketOps({ store: storeKind, inFlight, durationMs, maxOps, redisUrl }) {
  const runner = await pairRunner(storeKind, redisUrl);
  let started = 0;
  let done = 0;
  let errors = 0;
  let firstError;
  const begin = cpuSample();
  const deadline = begin.wallMs + durationMs;
  async function chain() {
    while (started < maxOps && performance.now() < deadline) {
      const n = started++;
      try {
        await runner.run(subjectOf(n));
        done += 1;
      } catch (error) {
        errors += 1;
        firstError ??= error.message;
      }
    }
  }
  await Promise.all(Array.from({ length: inFlight }, chain));
  const end = cpuSample();
  await runner.close();
  return {
    count: done,
    errors,
    firstError,
    elapsedMs: end.wallMs - begin.wallMs,
    cpuUs: end.cpuUs - begin.cpuUs,
  };
}

serveRpc({
  async start({ stack, options }) {
    const module = await import(`./stacks/${stack}.mjs`);
    server = await module.start(options);
    return { port: server.port, canIssue: typeof server.issue === 'function', pid: process.pid };
  },
  cpu: () => cpuSample(),
  async issue({ n }) {
    if (server?.issue === undefined) throw new Error('this stack issues no tickets');
    return server.issue(n);
  },
  async burn({ tickets }) {
    if (server?.burn === undefined) throw new Error('this stack has no tickets to burn');
    return server.burn(tickets);
  },
  async mem() {
    await settleGc();
    const { heapUsed, heapTotal, rss, external, arrayBuffers } = process.memoryUsage();
    return { heapUsed, heapTotal, rss, external, arrayBuffers, connections: server?.connections() ?? 0 };
  },
  async heapSnapshot({ file }) {
    await settleGc();
    return writeHeapSnapshot(file);
  },
  /** Starts V8's sampling CPU profiler (the one behind `node --cpu-prof`), after warm-up. */
  async profileStart({ intervalUs = 100 }) {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await profiler.post('Profiler.start');
    return true;
  },
  /** Stops the profiler and writes the `.cpuprofile` to `file`. */
  async profileStop({ file }) {
    const { profile } = await profiler.post('Profiler.stop');
    profiler.disconnect();
    profiler = undefined;
    writeFileSync(file, JSON.stringify(profile));
    return file;
  },
  connections: () => server?.connections() ?? 0,
  ticketOps,
  async exit() {
    if (server !== undefined)
      await Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 3_000))]);
  },
});
