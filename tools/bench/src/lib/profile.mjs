// `--profile=handshake|messages|memory`: runs one scenario against @wsgate/fastify and the bare
// @fastify/websocket server (handshake and messages: the stacks of `--profile-stacks`, e.g.
// nest-wsgate,nest-bare) and profiles the server: V8's CPU profiler (what `node --cpu-prof`
// runs, started over `node:inspector` after the warm-up so that start-up is left out), or heap
// snapshots for `memory`. Prints a summary of both; files go to results/profiles/.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCpuProfileSummary, summarizeCpuProfile } from './cpuprofile.mjs';
import { aggregateHeapSnapshot, diffPerConnection } from './heap-snapshot.mjs';
import { STACKS } from './scenarios.mjs';

const PROFILED_STACKS = ['wsgate-fastify', 'fastify-bare'];

export async function runProfile(ctx) {
  const { kind, settings, worker, benchRoot, log, stacks = PROFILED_STACKS } = ctx;
  for (const stackId of stacks)
    if (STACKS[stackId] === undefined) throw new Error(`--profile-stacks: unknown stack ${stackId}`);
  if (!['handshake', 'messages', 'memory', 'tickets'].includes(kind))
    throw new Error('--profile takes handshake, messages, memory or tickets');
  const dir = join(benchRoot, 'results', 'profiles');
  mkdirSync(dir, { recursive: true });
  if (kind === 'memory') return profileMemory(ctx, dir);
  if (kind === 'tickets') return profileTickets(ctx, dir);
  const windows = settings.quick ? 3 : 5;
  const level = kind === 'handshake' ? ctx.loops : 50;
  const summaries = {};
  for (const stackId of stacks) {
    const name = `${kind}-${stackId}.cpuprofile`;
    // Handshakes (or messages) and server CPU of the profiled windows: the profile per unit.
    const units = { count: 0, serverCpuUs: 0 };
    const count = (window) => {
      units.count += window.count;
      units.serverCpuUs += window.serverCpuUs;
    };
    const server = await ctx.startServer(stackId, { redisUrl: ctx.redisUrl });
    ctx.servers.set(stackId, server);
    try {
      log(
        `profiling ${stackId}: ${kind} @${level}, ${windows} windows of ${settings.windowMs} ms after a warm-up`,
      );
      if (kind === 'handshake') {
        await ctx.handshakeWindow(ctx, stackId, level, settings.warmupMs);
        // Every window's tickets are issued before the profiler starts: it sees handshakes only.
        const rate = ctx.rates.get(`${stackId}@${level}`) ?? 3_000;
        const perWindow = Math.ceil(((rate * settings.windowMs) / 1000) * 2) + 8 * level + 20;
        const batches = [];
        for (let index = 0; index < windows; index += 1) {
          const ticketed = STACKS[stackId].tickets;
          batches.push(ticketed ? await server.rpc.call('issue', { n: perWindow }, 60_000) : undefined);
        }
        await server.rpc.call('profileStart', { intervalUs: 100 });
        for (const batch of batches)
          count(await ctx.handshakeWindow(ctx, stackId, level, settings.windowMs, batch));
      } else {
        const tickets = STACKS[stackId].tickets ? await server.rpc.call('issue', { n: level }) : undefined;
        await worker.call(
          'open',
          { set: `${stackId}@${level}`, port: server.port, n: level, tickets },
          120_000,
        );
        await ctx.messageWindow(ctx, stackId, level, settings.warmupMs);
        await server.rpc.call('profileStart', { intervalUs: 100 });
        for (let index = 0; index < windows; index += 1)
          count(await ctx.messageWindow(ctx, stackId, level, settings.windowMs));
      }
      await server.rpc.call('profileStop', { file: join(dir, name) }, 120_000);
      if (kind === 'messages') await worker.call('closeAll', { set: `${stackId}@${level}` }, 60_000);
    } finally {
      ctx.servers.delete(stackId);
      await ctx.stopServer(server.rpc);
    }
    if (!readdirSync(dir).includes(name)) throw new Error(`no profile written at ${join(dir, name)}`);
    const summary = {
      ...summarizeCpuProfile(join(dir, name)),
      units: units.count,
      cpuPerUnitUs: units.count > 0 ? units.serverCpuUs / units.count : null,
    };
    summaries[stackId] = summary;
    writeFileSync(join(dir, `${kind}-${stackId}.summary.json`), `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`\n${formatCpuProfileSummary(`${stackId}, ${kind} @${level}`, summary)}\n`);
  }
  log(`profiles and summaries in ${dir}`);
  return summaries;
}

function subtract(after, before) {
  const delta = new Map();
  for (const [key, value] of after) {
    const base = before.get(key) ?? { count: 0, bytes: 0 };
    delta.set(key, { count: value.count - base.count, bytes: value.bytes - base.bytes });
  }
  for (const [key, value] of before)
    if (!after.has(key)) delta.set(key, { count: -value.count, bytes: -value.bytes });
  return delta;
}

/**
 * `--profile=memory`: heap snapshots before and after opening idle connections, in
 * @wsgate/fastify and in bare @fastify/websocket; prints what one connection retains in the
 * first and not in the second (by V8 node type and constructor or closure name).
 */
async function profileMemory(ctx, dir) {
  const { worker, log, settings } = ctx;
  const connections = Math.min(settings.memoryConnections, 2_000);
  const deltas = {};
  const stacks = ctx.stacks ?? PROFILED_STACKS;
  for (const stackId of stacks) {
    const server = await ctx.startServer(stackId, { redisUrl: ctx.redisUrl });
    const set = `heap:${stackId}`;
    const kind = STACKS[stackId].client;
    const issue = (n) =>
      STACKS[stackId].tickets ? server.rpc.call('issue', { n }, 60_000) : Promise.resolve(undefined);
    try {
      await worker.call('open', { set, kind, port: server.port, n: 200, tickets: await issue(200) }, 120_000);
      await worker.call('closeAll', { set }, 60_000);
      const before = join(dir, `heap-${stackId}-before.heapsnapshot`);
      await server.rpc.call('heapSnapshot', { file: before }, 120_000);
      const opened = await worker.call(
        'open',
        { set, kind, port: server.port, n: connections, tickets: await issue(connections) },
        300_000,
      );
      const after = join(dir, `heap-${stackId}-after.heapsnapshot`);
      await server.rpc.call('heapSnapshot', { file: after }, 120_000);
      await worker.call('closeAll', { set }, 120_000);
      log(`${stackId}: ${opened.opened} connections, snapshots written`);
      deltas[stackId] = {
        delta: subtract(aggregateHeapSnapshot(after), aggregateHeapSnapshot(before)),
        opened: opened.opened,
      };
    } finally {
      await ctx.stopServer(server.rpc);
    }
  }
  const [ours, bare] = stacks;
  const perConnection = (stack) => {
    let bytes = 0;
    for (const value of deltas[stack].delta.values()) bytes += value.bytes;
    return bytes / deltas[stack].opened;
  };
  const scale = (map, n) =>
    new Map([...map].map(([key, value]) => [key, { count: value.count / n, bytes: value.bytes / n }]));
  const rows = diffPerConnection(
    scale(deltas[ours].delta, deltas[ours].opened),
    scale(deltas[bare].delta, deltas[bare].opened),
    1,
    30,
  );
  const lines = [
    `== heap retained per idle connection (snapshot self sizes): ${ours} ${perConnection(ours).toFixed(0)} B, ${bare} ${perConnection(bare).toFixed(0)} B`,
    `-- what ${ours} keeps per connection beyond ${bare} (type, name: objects/connection, bytes/connection)`,
  ];
  for (const row of rows) {
    lines.push(
      `  ${row.bytesPerConnection.toFixed(0).padStart(6)} B  ${row.countPerConnection.toFixed(2).padStart(6)}×  ${row.type} ${row.name}`,
    );
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
  writeFileSync(
    join(dir, 'heap-diff.json'),
    `${JSON.stringify({ connections, perConnection: { [ours]: perConnection(ours), [bare]: perConnection(bare) }, rows }, null, 2)}\n`,
  );
  return rows;
}

/** `--profile=tickets`: the ticket service with 50 issue+redeem chains in flight, memory and Redis stores. */
async function profileTickets(ctx, dir) {
  const { log, settings } = ctx;
  const stores = ctx.redisUrl === undefined ? ['memory'] : ['memory', 'redis', 'redis-raw'];
  const host = await ctx.startServer(undefined);
  try {
    for (const store of stores) {
      const args = { store, inFlight: 50, maxOps: 1_000_000, redisUrl: ctx.redisUrl };
      await host.rpc.call('ticketOps', { ...args, durationMs: settings.warmupMs }, 120_000);
      const name = `tickets-${store}-50.cpuprofile`;
      await host.rpc.call('profileStart', { intervalUs: 100 });
      const result = await host.rpc.call(
        'ticketOps',
        { ...args, durationMs: settings.windowMs * 3 },
        120_000,
      );
      await host.rpc.call('profileStop', { file: join(dir, name) }, 120_000);
      log(`${store}: ${Math.round((result.count / result.elapsedMs) * 1000)} pairs/s while profiled`);
      const summary = summarizeCpuProfile(join(dir, name));
      writeFileSync(join(dir, `tickets-${store}-50.summary.json`), `${JSON.stringify(summary, null, 2)}\n`);
      process.stdout.write(
        `\n${formatCpuProfileSummary(`ticket service, ${store} store, 50 in flight`, summary)}\n`,
      );
    }
  } finally {
    await ctx.stopServer(host.rpc);
  }
}
