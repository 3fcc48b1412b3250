#!/usr/bin/env node
// `npm run bench`: the cost of @wsgate's security, as ratios against the bare stacks measured
// side by side in the same run (docs/benchmarks.md). A report, not a test: exits 0 unless it
// crashes. Flags: --quick (~1 min), --only=handshake,messages,tickets,memory, --rounds=N,
// --connections=N (memory scenario), --stacks=a,b (only these server stacks), --profile=handshake|messages|tickets|memory,
// --profile-stacks=A,B (handshake and messages profiles; default wsgate-fastify,fastify-bare),
// --profile-loops=N (client loops of the handshake profile; default 32),
// --update-docs, --out=FILE.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { checkAvailability } from './lib/availability.mjs';
import { forkRpc } from './lib/ipc.mjs';
import { buildReport, printReport, updateDocs } from './lib/report.mjs';
import { startRedis } from './lib/redis-server.mjs';
import { removeSnapshot, snapshotProcessOptions, takeSnapshot, useSnapshotHere } from './lib/snapshot.mjs';
import {
  cellId,
  HANDSHAKE_CONCURRENCY,
  HANDSHAKE_STACKS,
  MEMORY_STACKS,
  MESSAGE_CONNECTIONS,
  MESSAGE_LABELS,
  MESSAGE_STACKS,
  STACKS,
  TICKET_CASES,
} from './lib/scenarios.mjs';
import { PINNED_CPUS, pinToCpu } from './lib/pinning.mjs';
import { runProfile } from './lib/profile.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const benchRoot = join(here, '..');
const SERVER_HOST = join(here, 'lib', 'server-host.mjs');
const LOAD_WORKER = join(here, 'lib', 'load-worker.mjs');
const GROUPS = ['handshake', 'messages', 'tickets', 'memory'];

const PRESETS = {
  full: {
    rounds: 5,
    windowMs: 1_500,
    warmupMs: 750,
    // A server's first handshakes run before V8 has optimised the path: with 750 ms of warm-up
    // the first measured round at one loop still cost 1.8–2× the next ones, in every stack.
    handshakeWarmupMs: 3_000,
    handshakeMaxCount: 40_000,
    messageMaxCount: 400_000,
    ticketWindowMs: 750,
    ticketMaxOps: 500_000,
    memoryConnections: 5_000,
    memoryRounds: 3,
    softBudgetMs: 4.5 * 60_000,
    hardBudgetMs: 15 * 60_000,
  },
  quick: {
    rounds: 3,
    windowMs: 500,
    warmupMs: 400,
    handshakeWarmupMs: 1_000,
    handshakeMaxCount: 10_000,
    messageMaxCount: 100_000,
    ticketWindowMs: 300,
    ticketMaxOps: 150_000,
    memoryConnections: 500,
    memoryRounds: 3,
    softBudgetMs: 90_000,
    hardBudgetMs: 4 * 60_000,
  },
};

function parseOptions(argv) {
  const flags = new Map();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (match === null)
      throw new Error(
        `unknown argument ${arg} (flags: --quick --only= --rounds= --connections= --stacks= --profile= --profile-stacks= --profile-loops= --update-docs --out=)`,
      );
    flags.set(match[1], match[2] ?? true);
  }
  const quick = flags.has('quick');
  const settings = { ...PRESETS[quick ? 'quick' : 'full'], quick };
  if (flags.has('rounds')) settings.rounds = Math.max(3, Number(flags.get('rounds')));
  if (flags.has('connections')) settings.memoryConnections = Math.max(100, Number(flags.get('connections')));
  const only = flags.has('only') ? String(flags.get('only')).split(',') : GROUPS;
  for (const group of only)
    if (!GROUPS.includes(group)) throw new Error(`--only: unknown group ${group} (${GROUPS.join(', ')})`);
  const stacks = flags.has('stacks') ? String(flags.get('stacks')).split(',') : Object.keys(STACKS);
  for (const stack of stacks)
    if (STACKS[stack] === undefined)
      throw new Error(`--stacks: unknown stack ${stack} (${Object.keys(STACKS).join(', ')})`);
  return {
    settings,
    groups: only,
    stacks: new Set(stacks),
    profile: flags.has('profile') ? String(flags.get('profile')) : undefined,
    profileStacks: flags.has('profile-stacks') ? String(flags.get('profile-stacks')).split(',') : undefined,
    profileLoops: flags.has('profile-loops') ? Math.max(1, Number(flags.get('profile-loops'))) : 32,
    updateDocs: flags.has('update-docs'),
    out: flags.has('out') ? String(flags.get('out')) : join(benchRoot, 'results', 'latest.json'),
  };
}

/** For best-effort clean-up calls whose failure changes nothing. */
const ignore = () => undefined;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const startedAt = performance.now();
const log = (message) =>
  process.stderr.write(
    `[bench ${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}\n`,
  );

/** Everything the run started, so that it can all be stopped (by handle, one by one). */
const running = {
  servers: new Set(),
  worker: undefined,
  redis: undefined,
  snapshot: undefined,
  /** Whether every server and the load generator run on their own CPU (see pinning.mjs). */
  pinned: PINNED_CPUS !== undefined,
};

async function startServerOnce(stackId, { redisUrl, execArgv = [] } = {}) {
  const child = snapshotProcessOptions(running.snapshot);
  const rpc = forkRpc(SERVER_HOST, {
    env: child.env,
    execArgv: [...child.execArgv, '--expose-gc', ...execArgv],
    name: `server ${stackId ?? 'ticket-host'}`,
  });
  running.servers.add(rpc);
  if (stackId === undefined) return { rpc, port: undefined };
  const stack = STACKS[stackId];
  try {
    const { port, pid } = await rpc.call(
      'start',
      { stack: stack.module, options: { ...stack.options, redisUrl } },
      60_000,
    );
    running.pinned &&= pinToCpu(pid, PINNED_CPUS?.server);
    return { rpc, port };
  } catch (error) {
    await stopServer(rpc);
    throw error;
  }
}

/**
 * Starts a server process, trying three times: a workspace package being rebuilt at that moment
 * (its `dist` removed and written again) makes the import fail for a few seconds.
 */
async function startServer(stackId, options = {}) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startServerOnce(stackId, options);
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`${stackId ?? 'ticket host'} did not start (${error.message}); retrying in 3 s`);
      await sleep(3_000);
    }
  }
}

async function stopServer(rpc) {
  running.servers.delete(rpc);
  await rpc.stop();
}

async function stopEverything() {
  await Promise.allSettled([...running.servers].map((rpc) => stopServer(rpc)));
  if (running.worker !== undefined) await running.worker.stop().catch(ignore);
  if (running.redis !== undefined) await running.redis.stop().catch(ignore);
  removeSnapshot(running.snapshot);
  running.snapshot = undefined;
}

/** Whether a stack's optional requirements are ready; `{ ready, reason }`. */
function readiness(requires, availability) {
  for (const name of requires ?? []) {
    if (!availability[name].ready) return { ready: false, reason: availability[name].reason };
  }
  return { ready: true, reason: undefined };
}

function newCell(results, { group, level, key, label, unit }) {
  const id = cellId(group, level, key);
  results.cells[id] = { id, group, level, key, label, unit, status: 'ok', reason: undefined, rounds: [] };
  return results.cells[id];
}

function markCell(cell, status, reason) {
  cell.status = status;
  cell.reason = reason;
}

/** Busy CPU time of the whole machine so far, in µs (Linux `/proc/stat`), or `undefined`. */
function machineCpu() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    // USER_HZ is 100 on Linux: one tick is 10 ms.
    return { busyUs: (total - idle) * 10_000, wallMs: performance.now() };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of another process so far, in µs (Linux `/proc/<pid>/stat`), or `undefined`. */
function processCpuUs(pid) {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime), in 10 ms ticks; `fields` starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/**
 * Share of the machine's CPU capacity that processes other than the bench's server and load
 * generator used during a window: how noisy the window was.
 */
function otherLoad(machineBefore, machineAfter, benchCpuUs) {
  if (machineBefore === undefined || machineAfter === undefined) return null;
  const capacityUs = (machineAfter.wallMs - machineBefore.wallMs) * 1000 * cpus().length;
  return Math.max(0, (machineAfter.busyUs - machineBefore.busyUs - benchCpuUs) / capacityUs);
}

/** Server CPU over a window, from `process.cpuUsage()` read in the server process before and after. */
function serverWindow(before, after, count) {
  const cpuUs = after.cpuUs - before.cpuUs;
  const wallMs = after.wallMs - before.wallMs;
  return {
    serverCpuUs: cpuUs,
    serverUtil: cpuUs / 1000 / wallMs,
    cpuPerUnitUs: count > 0 ? cpuUs / count : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Handshakes and messages: one long-lived server per stack, shared by both phases.

/**
 * One measured window of handshakes. Tickets are issued before it (or given: `preissued`, for the
 * profiler, which must not see issuance either); unused ones are burnt after it.
 */
async function handshakeWindow(ctx, stackId, level, durationMs, preissued) {
  const { worker, servers, settings, rates } = ctx;
  const stack = STACKS[stackId];
  const server = servers.get(stackId);
  let tickets = preissued;
  if (stack.tickets && tickets === undefined) {
    // Enough for the window at twice the last rate seen; what is left is burnt after the window.
    const rate = rates.get(`${stackId}@${level}`) ?? 3_000;
    const n = Math.min(
      settings.handshakeMaxCount,
      Math.ceil(((rate * durationMs) / 1000) * 2) + 8 * level + 20,
    );
    tickets = await server.rpc.call('issue', { n }, 60_000);
  }
  const machineBefore = machineCpu();
  const before = await server.rpc.call('cpu');
  const result = await worker.call(
    'handshakes',
    {
      kind: stack.client,
      port: server.port,
      concurrency: level,
      durationMs,
      maxCount: settings.handshakeMaxCount,
      tickets,
    },
    durationMs + 60_000,
  );
  const after = await server.rpc.call('cpu');
  const machineAfter = machineCpu();
  if (tickets !== undefined && preissued === undefined && result.started < tickets.length) {
    // Unused tickets would otherwise sit in the store (and its heap) until they expire.
    await server.rpc.call('burn', { tickets: tickets.slice(result.started) }, 60_000);
  }
  const throughput = (result.count / result.elapsedMs) * 1000;
  rates.set(`${stackId}@${level}`, throughput);
  return {
    throughput,
    ...serverWindow(before, after, result.count),
    clientUtil: result.cpuUs / 1000 / result.elapsedMs,
    otherLoad: otherLoad(machineBefore, machineAfter, after.cpuUs - before.cpuUs + result.cpuUs),
    count: result.count,
    errors: result.errors,
    firstError: result.firstError,
    elapsedMs: result.elapsedMs,
    ranOutOfTickets: result.ranOutOfTickets,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
  };
}

async function messageWindow(ctx, stackId, level, durationMs) {
  const { worker, servers, settings } = ctx;
  const server = servers.get(stackId);
  const machineBefore = machineCpu();
  const before = await server.rpc.call('cpu');
  const result = await worker.call(
    'messages',
    { set: `${stackId}@${level}`, durationMs, maxCount: settings.messageMaxCount },
    durationMs + 60_000,
  );
  const after = await server.rpc.call('cpu');
  const machineAfter = machineCpu();
  return {
    throughput: (result.count / result.elapsedMs) * 1000,
    ...serverWindow(before, after, result.count),
    clientUtil: result.cpuUs / 1000 / result.elapsedMs,
    otherLoad: otherLoad(machineBefore, machineAfter, after.cpuUs - before.cpuUs + result.cpuUs),
    count: result.count,
    errors: result.errors + result.stalled,
    firstError:
      result.firstError ?? (result.stalled > 0 ? `${result.stalled} connection(s) stalled` : undefined),
    elapsedMs: result.elapsedMs,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
  };
}

/** Runs `rounds` rounds over `ids`, A/B/A/B: the order flips every round. */
async function interleavedRounds(ctx, ids, rounds, run) {
  for (let round = 0; round < rounds; round += 1) {
    if (ctx.budget.over() && round >= 3) {
      log(`time budget reached: stopping after ${round} rounds`);
      break;
    }
    const order = round % 2 === 0 ? ids : [...ids].reverse();
    for (const id of order) await run(id, round);
  }
}

async function record(cell, round, measure) {
  try {
    const value = await measure();
    cell.rounds[round] = value;
    if (value.count === 0) cell.rounds[round] = { ...value, throughput: null, cpuPerUnitUs: null };
  } catch (error) {
    cell.rounds[round] = null;
    cell.firstError ??= error.message;
    log(`${cell.id} round ${round + 1}: ${error.message}`);
  }
}

async function runConnectionPhases(ctx, results) {
  const { availability, groups, settings } = ctx;
  const wanted = new Set(
    [
      ...(groups.includes('handshake') ? HANDSHAKE_STACKS : []),
      ...(groups.includes('messages') ? MESSAGE_STACKS : []),
    ].filter((stackId) => ctx.stacks.has(stackId)),
  );
  const unavailable = new Map();
  const starting = [];
  for (const stackId of wanted) {
    const state = readiness(STACKS[stackId].requires, availability);
    if (!state.ready) {
      unavailable.set(stackId, { status: 'pending', reason: state.reason });
      continue;
    }
    starting.push(
      startServer(stackId, { redisUrl: ctx.redisUrl }).then(
        (server) => {
          ctx.servers.set(stackId, server);
          log(`started ${stackId} on port ${server.port}`);
        },
        (error) => {
          unavailable.set(stackId, { status: 'error', reason: `server did not start: ${error.message}` });
          log(`${stackId} did not start: ${error.message}`);
        },
      ),
    );
  }
  await Promise.all(starting);

  if (groups.includes('handshake')) {
    for (const level of HANDSHAKE_CONCURRENCY) {
      const cells = new Map();
      for (const stackId of HANDSHAKE_STACKS.filter((id) => ctx.stacks.has(id))) {
        const cell = newCell(results, {
          group: 'handshake',
          level,
          key: stackId,
          label: STACKS[stackId].label,
          unit: 'handshakes/s',
        });
        const missing = unavailable.get(stackId);
        if (missing !== undefined) markCell(cell, missing.status, missing.reason);
        else cells.set(stackId, cell);
      }
      const ids = [...cells.keys()];
      log(`handshakes @${level}: warm-up`);
      for (const stackId of ids) {
        await handshakeWindow(ctx, stackId, level, settings.handshakeWarmupMs).catch((error) =>
          log(`${stackId} warm-up: ${error.message}`),
        );
      }
      log(`handshakes @${level}: ${settings.rounds} rounds of ${ids.join(' / ')}`);
      await interleavedRounds(ctx, ids, settings.rounds, (stackId, round) =>
        record(cells.get(stackId), round, () => handshakeWindow(ctx, stackId, level, settings.windowMs)),
      );
    }
  }

  if (groups.includes('messages')) {
    for (const level of MESSAGE_CONNECTIONS) {
      const cells = new Map();
      for (const stackId of MESSAGE_STACKS.filter((id) => ctx.stacks.has(id))) {
        const cell = newCell(results, {
          group: 'messages',
          level,
          key: stackId,
          label: MESSAGE_LABELS[stackId],
          unit: 'messages/s',
        });
        const missing = unavailable.get(stackId);
        if (missing !== undefined) {
          markCell(cell, missing.status, missing.reason);
          continue;
        }
        const server = ctx.servers.get(stackId);
        try {
          const tickets = STACKS[stackId].tickets ? await server.rpc.call('issue', { n: level }) : undefined;
          const opened = await ctx.worker.call(
            'open',
            { set: `${stackId}@${level}`, port: server.port, n: level, tickets },
            120_000,
          );
          if (opened.opened !== level)
            throw new Error(`opened ${opened.opened}/${level} connections: ${opened.firstError}`);
          cells.set(stackId, cell);
        } catch (error) {
          markCell(cell, 'error', error.message);
          log(`messages @${level} ${stackId}: ${error.message}`);
        }
      }
      const ids = [...cells.keys()];
      log(`messages @${level}: warm-up`);
      for (const stackId of ids)
        await messageWindow(ctx, stackId, level, settings.warmupMs).catch((error) =>
          log(`${stackId} warm-up: ${error.message}`),
        );
      log(`messages @${level}: ${settings.rounds} rounds of ${ids.join(' / ')}`);
      await interleavedRounds(ctx, ids, settings.rounds, (stackId, round) =>
        record(cells.get(stackId), round, () => messageWindow(ctx, stackId, level, settings.windowMs)),
      );
      for (const stackId of ids)
        await ctx.worker.call('closeAll', { set: `${stackId}@${level}` }, 60_000).catch(ignore);
    }
  }

  for (const [stackId, server] of ctx.servers) {
    await stopServer(server.rpc);
    ctx.servers.delete(stackId);
  }
}

// ---------------------------------------------------------------------------------------------
// Ticket service: issue+redeem pairs inside one process (no network but the store's).

async function runTicketPhase(ctx, results) {
  const { availability, settings } = ctx;
  const cells = new Map();
  for (const ticketCase of TICKET_CASES) {
    const cell = newCell(results, {
      group: 'tickets',
      level: undefined,
      key: ticketCase.id,
      label: ticketCase.label,
      unit: 'pairs/s',
    });
    const state = readiness(ticketCase.requires, availability);
    if (!state.ready) markCell(cell, 'pending', state.reason);
    else cells.set(ticketCase.id, { cell, ticketCase });
  }
  if (cells.size === 0) return;
  const host = await startServer(undefined);
  try {
    const measure = async ({ ticketCase }, durationMs) => {
      const redisPid = ticketCase.store.startsWith('redis') ? running.redis?.pid : undefined;
      const redisBefore = processCpuUs(redisPid);
      const machineBefore = machineCpu();
      const result = await host.rpc.call(
        'ticketOps',
        {
          store: ticketCase.store,
          inFlight: ticketCase.inFlight,
          durationMs,
          maxOps: settings.ticketMaxOps,
          redisUrl: ctx.redisUrl,
        },
        durationMs + 60_000,
      );
      const redisCpuUs = redisBefore === undefined ? 0 : processCpuUs(redisPid) - redisBefore;
      return {
        throughput: (result.count / result.elapsedMs) * 1000,
        cpuPerUnitUs: result.count > 0 ? result.cpuUs / result.count : null,
        serverUtil: result.cpuUs / 1000 / result.elapsedMs,
        // redis-server's own CPU (10 ms ticks: coarse over one window, hence per pair only).
        redisCpuPerUnitUs: redisBefore === undefined || result.count === 0 ? null : redisCpuUs / result.count,
        otherLoad: otherLoad(machineBefore, machineCpu(), result.cpuUs + redisCpuUs),
        count: result.count,
        errors: result.errors,
        firstError: result.firstError,
        elapsedMs: result.elapsedMs,
      };
    };
    log('tickets: warm-up');
    for (const entry of cells.values())
      await measure(entry, settings.warmupMs / 2).catch((error) => log(`tickets warm-up: ${error.message}`));
    log(`tickets: ${settings.rounds} rounds of ${[...cells.keys()].join(' / ')}`);
    await interleavedRounds(ctx, [...cells.keys()], settings.rounds, (id, round) =>
      record(cells.get(id).cell, round, () => measure(cells.get(id), settings.ticketWindowMs)),
    );
  } finally {
    await stopServer(host.rpc);
  }
}

// ---------------------------------------------------------------------------------------------
// Memory: heap and RSS per idle connection, in a fresh server process per round.

async function memoryRound(ctx, stackId, connections, starting) {
  const { worker } = ctx;
  const server = await starting;
  if (server instanceof Error) throw server;
  const set = `memory:${stackId}`;
  const issue = (n) =>
    STACKS[stackId].tickets ? server.rpc.call('issue', { n }, 60_000) : Promise.resolve(undefined);
  try {
    // Warm the code paths (and ws's/Fastify's lazy allocations) before the baseline.
    const kind = STACKS[stackId].client;
    await worker.call('open', { set, kind, port: server.port, n: 200, tickets: await issue(200) }, 120_000);
    await worker.call('closeAll', { set }, 60_000);
    await sleep(300);
    const before = await server.rpc.call('mem', {}, 30_000);
    const tickets = await issue(connections);
    const opened = await worker.call(
      'open',
      { set, kind, port: server.port, n: connections, tickets, concurrency: 32 },
      300_000,
    );
    await sleep(300);
    const after = await server.rpc.call('mem', {}, 30_000);
    await worker.call('closeAll', { set }, 120_000);
    if (opened.opened === 0) throw new Error(`no connection opened: ${opened.firstError}`);
    const per = (field) => (after[field] - before[field]) / opened.opened;
    return {
      heapPerConnection: per('heapUsed'),
      rssPerConnection: per('rss'),
      externalPerConnection: per('external'),
      opened: opened.opened,
      serverConnections: after.connections,
      errors: opened.errors,
      firstError: opened.firstError,
      heapUsedBefore: before.heapUsed,
      heapUsedAfter: after.heapUsed,
      rssBefore: before.rss,
      rssAfter: after.rss,
      count: opened.opened,
    };
  } finally {
    await stopServer(server.rpc);
  }
}

async function runMemoryPhase(ctx, results) {
  const { settings } = ctx;
  const cells = new Map();
  for (const stackId of MEMORY_STACKS.filter((id) => ctx.stacks.has(id))) {
    const cell = newCell(results, {
      group: 'memory',
      level: undefined,
      key: stackId,
      label: `${STACKS[stackId].label}, idle`,
      unit: 'bytes/connection',
    });
    cell.connections = settings.memoryConnections;
    cells.set(stackId, cell);
  }
  log(
    `memory: ${settings.memoryRounds} rounds of ${settings.memoryConnections} idle connections, ${[...cells.keys()].join(' / ')}`,
  );
  const ids = [...cells.keys()];
  for (let round = 0; round < settings.memoryRounds; round += 1) {
    if (ctx.budget.over() && round >= 3) {
      log(`time budget reached: stopping after ${round} rounds`);
      break;
    }
    // Fresh processes every round, all started at once (start-up overlaps the first measurement).
    const starting = new Map(
      ids.map((stackId) => [
        stackId,
        startServer(stackId, { redisUrl: ctx.redisUrl }).catch((error) => error),
      ]),
    );
    const order = round % 2 === 0 ? ids : [...ids].reverse();
    for (const stackId of order) {
      await record(cells.get(stackId), round, () =>
        memoryRound(ctx, stackId, settings.memoryConnections, starting.get(stackId)),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const { settings } = options;
  const began = performance.now();
  const watchdog = setTimeout(() => {
    log(`hard time limit (${settings.hardBudgetMs / 1000} s) exceeded: aborting`);
    void stopEverything().finally(() => process.exit(1));
  }, settings.hardBudgetMs);
  watchdog.unref();

  const loadAtStart = loadavg();
  running.snapshot = await takeSnapshot(log);
  useSnapshotHere(running.snapshot);
  const snapshotBuiltAt = running.snapshot?.builtAt;
  if (running.snapshot !== undefined)
    log(`measuring a copy of ${running.snapshot.packages.map((name) => `@wsgate/${name}`).join(', ')}`);
  const availability = await checkAvailability(running.snapshot);
  for (const [name, state] of Object.entries(availability))
    if (!state.ready) log(`pending: ${name}: ${state.reason}`);

  const worker = snapshotProcessOptions(running.snapshot);
  running.worker = forkRpc(LOAD_WORKER, { name: 'load worker', env: worker.env, execArgv: worker.execArgv });
  running.pinned &&= pinToCpu(running.worker.child.pid, PINNED_CPUS?.loadGenerator);
  const ctx = {
    settings,
    groups: options.groups,
    stacks: options.stacks,
    availability,
    worker: running.worker,
    servers: new Map(),
    rates: new Map(),
    redisUrl: undefined,
    budget: { over: () => performance.now() - began > settings.softBudgetMs },
  };

  const results = { cells: {} };
  try {
    const needsRedis =
      options.profile === 'tickets' ||
      options.groups.includes('handshake') ||
      options.groups.includes('tickets');
    if (needsRedis && availability.redisServer.ready) {
      running.redis = await startRedis();
      // Beside the load generator: the server under test keeps its CPU to itself, as bare ones do.
      running.pinned &&= pinToCpu(running.redis.pid, PINNED_CPUS?.loadGenerator);
      ctx.redisUrl = running.redis.url;
      log(`redis-server on ${ctx.redisUrl}`);
    }
    if (options.profile !== undefined) {
      await runProfile({
        ...ctx,
        kind: options.profile,
        stacks: options.profileStacks,
        loops: options.profileLoops,
        startServer,
        stopServer,
        handshakeWindow,
        messageWindow,
        benchRoot,
        log,
      });
      return;
    }
    if (options.groups.includes('handshake') || options.groups.includes('messages'))
      await runConnectionPhases(ctx, results);
    if (options.groups.includes('tickets')) await runTicketPhase(ctx, results);
    if (options.groups.includes('memory')) await runMemoryPhase(ctx, results);
  } finally {
    await stopEverything();
  }

  const report = await buildReport({
    results,
    settings,
    availability,
    groups: options.groups,
    durationMs: performance.now() - began,
    loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
    snapshotBuiltAt,
    pinned: running.pinned,
  });
  printReport(report);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${options.out}`);
  if (options.updateDocs) log(`updated ${updateDocs(report)}`);
  clearTimeout(watchdog);
}

main().then(
  () => process.exit(0),
  async (error) => {
    log(`crashed: ${error.stack ?? error}`);
    await stopEverything();
    process.exit(1);
  },
);
