#!/usr/bin/env node
// `nx run soak:soak` — a soak of @wsgate/fastify over real loopback sockets. Not part of npm test.
//
//  1. Hold: opens SOAK_CONNECTIONS (default 5 000) concurrent authenticated sockets on a
//     @wsgate/fastify server, and the same number on a bare @fastify/websocket server, each in a
//     child process with --expose-gc; reports server heap and RSS per connection, side by side.
//  2. Cycle: SOAK_CYCLES (default 50 000) connect / ticket / close cycles, SOAK_CONCURRENCY
//     (default 50) at a time; every SOAK_BAD_EVERY-th (default 20th) presents an unknown ticket
//     and must be refused. Checks that accepted + refused add up to the attempts (no errors, no
//     lost outcomes) and that the server heap, after gc, returns within 10 % of where it started
//     (measured after 1 000 warm-up cycles, so that JIT and lazily built structures are not counted).
//
// The open-file limit is checked first (a clear message when it is too low); past half
// the ephemeral port range, clients spread over 127.0.0.2..9 (SOAK_ADDRESSES forces a count).
// Prints a summary and writes results/latest.json. Exit code 1 when a check fails.
// Needs the built packages (nx runs `build` of @wsgate/core and @wsgate/fastify first).
import { fork, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const SERVER = join(here, 'server.mjs');
const RESULTS = join(here, 'results', 'latest.json');
const ORIGIN = 'http://soak.localhost';
const HEAP_TOLERANCE = 0.1;

function integerFromEnv(name, fallback, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name} must be an integer >= ${min}, got ${raw}`);
    process.exit(2);
  }
  return value;
}

const config = {
  connections: integerFromEnv('SOAK_CONNECTIONS', 5_000, 1),
  cycles: integerFromEnv('SOAK_CYCLES', 50_000, 0),
  concurrency: integerFromEnv('SOAK_CONCURRENCY', 50, 1),
  openConcurrency: integerFromEnv('SOAK_OPEN_CONCURRENCY', 100, 1),
  badEvery: integerFromEnv('SOAK_BAD_EVERY', 20, 0),
  timeoutMs: integerFromEnv('SOAK_TIMEOUT_MS', 30_000, 1_000),
  addresses: integerFromEnv('SOAK_ADDRESSES', 0, 0), // 0: as many as the ephemeral ports need (1-9)
};

// ---------------------------------------------------------------------------------------------
// Environment: file descriptors, ephemeral ports, loopback addresses, built packages
// ---------------------------------------------------------------------------------------------

function shellLimit(flag) {
  const out = spawnSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out);
}

/**
 * Each process (client here, server in the child) holds one descriptor per socket, plus slack.
 * Node raises its own soft limit to the hard one at start-up, so the hard limit is what counts;
 * `sh -c ulimit` reports the limit this process runs with (the shell inherits it).
 */
function checkFileDescriptors() {
  const needed = config.connections + 4 * Math.max(config.concurrency, config.openConcurrency) + 512;
  const soft = shellLimit('-Sn');
  const hard = shellLimit('-Hn');
  if (soft < needed) {
    console.error(
      [
        `soak: ${config.connections} connections need about ${needed} open files per process;`,
        `the limit here is ${soft} (hard limit ${hard}).`,
        `Raise it (\`ulimit -n ${needed}\`; a hard limit below that needs root or /etc/security/limits.conf),`,
        `or run fewer: SOAK_CONNECTIONS=${Math.max(100, soft - 4 * Math.max(config.concurrency, config.openConcurrency) - 512)}.`,
      ].join('\n'),
    );
    process.exit(1);
  }
  return { soft, hard, needed };
}

function ephemeralPorts() {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return high - low + 1;
  } catch {
    return 16_384; // IANA range 49152-65535 (macOS, Windows)
  }
}

function canBind(address) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, address, () => probe.close(() => resolve(true)));
  });
}

/**
 * Client addresses to spread the sockets over: one source address has one ephemeral port range,
 * so past half of it the soak uses 127.0.0.2, 127.0.0.3, ... (Linux routes all of 127/8 to lo).
 */
async function clientAddresses(ports) {
  const wanted =
    config.addresses > 0
      ? Math.min(config.addresses, 9)
      : Math.min(9, Math.max(1, Math.ceil((config.connections + 4 * config.concurrency) / (ports * 0.5))));
  const addresses = ['127.0.0.1'];
  for (let index = 2; index <= wanted; index += 1) {
    const address = `127.0.0.${index}`;
    if (await canBind(address)) addresses.push(address);
    else {
      console.warn(
        `soak: cannot bind ${address} on this machine; staying with ${addresses.length} address(es)`,
      );
      break;
    }
  }
  return addresses;
}

function checkBuilt() {
  const require = createRequire(import.meta.url);
  for (const name of ['@wsgate/core', '@wsgate/fastify']) {
    try {
      require.resolve(name);
    } catch {
      console.error(
        `soak: ${name} is not built; run \`npx nx run-many -t build -p @wsgate/core @wsgate/fastify\` (nx run soak:soak does it)`,
      );
      process.exit(1);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Server child process
// ---------------------------------------------------------------------------------------------

function startServer(kind) {
  const child = fork(SERVER, [kind], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let nextId = 0;
  let exited = false;
  child.on('message', (message) => {
    if (message?.type === 'memory') {
      pending.get(message.id)?.(message.memory);
      pending.delete(message.id);
    }
  });
  const ready = new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message?.type === 'ready') resolve(message.port);
    });
    child.once('exit', (code) => {
      exited = true;
      reject(new Error(`${kind} server exited with ${code} before it was ready`));
    });
  });
  return ready.then((port) => ({
    kind,
    port,
    memory() {
      if (exited) return Promise.reject(new Error(`${kind} server is gone`));
      const id = (nextId += 1);
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.send({ cmd: 'memory', id });
      });
    },
    async stop() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.send({ cmd: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    },
  }));
}

/** Polls the server until it holds no socket (and, for wsgate, no registry entry). */
async function drained(server, timeoutMs = 120_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const memory = await server.memory();
    if (memory.sockets === 0 && (memory.registry ?? 0) === 0) return memory;
    if (performance.now() > deadline)
      throw new Error(`${server.kind} server still holds ${memory.sockets} sockets`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// ---------------------------------------------------------------------------------------------
// Client side
// ---------------------------------------------------------------------------------------------

function lanesFor(addresses) {
  return addresses.map((address) => ({
    address,
    agent: new Agent({
      keepAlive: true,
      maxSockets: Math.max(config.concurrency, config.openConcurrency),
      localAddress: address,
    }),
  }));
}

function requestTicket(port, lane, subject) {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/ws-ticket',
        agent: lane.agent,
        headers: { origin: ORIGIN, 'x-soak-user': subject, 'content-length': 0 },
        timeout: config.timeoutMs,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => {
          if (response.statusCode === 200) resolve(JSON.parse(body).ticket);
          else reject(new Error(`ticket route answered ${response.statusCode} ${body}`));
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('ticket request timed out')));
    request.on('error', reject);
    request.end();
  });
}

/** Opens a socket: `accepted` once the welcome frame arrived, `refused` on an HTTP answer, else `error`. */
function openSocket(port, lane, ticket) {
  return new Promise((resolve) => {
    const url = `ws://127.0.0.1:${port}/ws${ticket === undefined ? '' : `?ticket=${ticket}`}`;
    const socket = new WebSocket(url, {
      headers: { origin: ORIGIN },
      localAddress: lane.address,
      perMessageDeflate: false,
      handshakeTimeout: config.timeoutMs,
    });
    let settled = false;
    const timer = setTimeout(
      () => settle({ outcome: 'error', error: new Error('no welcome in time') }),
      config.timeoutMs + 1_000,
    );
    function settle(result) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result.outcome !== 'accepted') socket.terminate();
      resolve(result);
    }
    socket.once('message', () => settle({ outcome: 'accepted', socket }));
    socket.once('unexpected-response', (_request, response) => {
      response.resume();
      settle({ outcome: 'refused', status: response.statusCode });
    });
    socket.on('error', (error) => settle({ outcome: 'error', error }));
    socket.on('close', (code) =>
      settle({ outcome: 'error', error: new Error(`closed with ${code} before the welcome`) }),
    );
  });
}

function closeSocket(socket) {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => {
      socket.terminate();
      resolve();
    }, config.timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(1000);
  });
}

/** Runs `task(0..total-1)` with at most `concurrency` in flight. */
async function pool(total, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next;
      next += 1;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

function progress(label, total, quiet = false) {
  const started = performance.now();
  let done = 0;
  let last = started;
  return {
    tick() {
      done += 1;
      const now = performance.now();
      if (!quiet && (now - last >= 5_000 || done === total)) {
        last = now;
        const seconds = (now - started) / 1000;
        console.log(
          `  ${label}: ${done}/${total} (${Math.round(done / seconds)}/s, ${seconds.toFixed(0)} s)`,
        );
      }
    },
    seconds: () => (performance.now() - started) / 1000,
  };
}

/** JSON as the repository's Prettier writes it (when Prettier is installed), so the file stays format-clean. */
async function formatJson(value) {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(RESULTS)) ?? {};
    return await prettier.format(text, { ...options, parser: 'json' });
  } catch {
    return text;
  }
}

const mib = (bytes) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
const kib = (bytes) => `${(bytes / 1024).toFixed(2)} KiB`;

// ---------------------------------------------------------------------------------------------
// Phase 1: hold N connections
// ---------------------------------------------------------------------------------------------

async function hold(server, lanes) {
  const n = config.connections;
  const authenticated = server.kind === 'wsgate';
  const connect = async (index) => {
    const lane = lanes[index % lanes.length];
    const ticket = authenticated ? await requestTicket(server.port, lane, `user-${index}`) : undefined;
    const result = await openSocket(server.port, lane, ticket);
    if (result.outcome !== 'accepted') {
      throw new Error(
        `hold: connection ${index} ${result.outcome}: ${result.status ?? result.error?.message}`,
      );
    }
    return result.socket;
  };
  // Warm-up: JIT, lazily created structures and buffers are not per-connection costs.
  await pool(Math.min(200, n), config.openConcurrency, async (index) => closeSocket(await connect(index)));
  await drained(server);
  const before = await server.memory();

  const sockets = new Array(n);
  const meter = progress(`${server.kind}: open`, n);
  await pool(n, config.openConcurrency, async (index) => {
    sockets[index] = await connect(index);
    meter.tick();
  });
  const held = await server.memory();
  if (held.sockets !== n)
    throw new Error(`hold: the ${server.kind} server holds ${held.sockets} sockets, expected ${n}`);

  await pool(n, config.openConcurrency, (index) => closeSocket(sockets[index]));
  const after = await drained(server);
  return {
    connections: n,
    openSeconds: Number(meter.seconds().toFixed(1)),
    before,
    held,
    after,
    perConnection: {
      heapBytes: Math.round((held.heapUsed - before.heapUsed) / n),
      rssBytes: Math.round((held.rss - before.rss) / n),
      externalBytes: Math.round((held.external - before.external) / n),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 2: connect / ticket / close cycles
// ---------------------------------------------------------------------------------------------

async function cycles(server, lanes, total, counts, label = 'cycles') {
  const meter = progress(label, total, total < 1_000);
  await pool(total, config.concurrency, async (index) => {
    const lane = lanes[index % lanes.length];
    const bad = config.badEvery > 0 && index % config.badEvery === config.badEvery - 1;
    counts.attempts += 1;
    if (bad) counts.bad += 1;
    let ticket;
    try {
      ticket = bad
        ? randomBytes(32).toString('base64url')
        : await requestTicket(server.port, lane, `cycle-${index % 5_000}`);
    } catch (error) {
      counts.errors.push(`ticket: ${error.message}`);
      meter.tick();
      return;
    }
    const result = await openSocket(server.port, lane, ticket);
    if (result.outcome === 'accepted') {
      counts.accepted += 1;
      if (bad) counts.unexpected.push(`cycle ${index}: an unknown ticket was accepted`);
      await closeSocket(result.socket);
    } else if (result.outcome === 'refused') {
      counts.refused += 1;
      counts.refusedByStatus[result.status] = (counts.refusedByStatus[result.status] ?? 0) + 1;
      if (!bad) counts.unexpected.push(`cycle ${index}: a valid ticket was refused with ${result.status}`);
    } else {
      counts.errors.push(`socket: ${result.error.message}`);
    }
    meter.tick();
  });
  return meter.seconds();
}

function newCounts() {
  return { attempts: 0, bad: 0, accepted: 0, refused: 0, refusedByStatus: {}, errors: [], unexpected: [] };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const fds = checkFileDescriptors();
checkBuilt();
const ports = ephemeralPorts();
const addresses = await clientAddresses(ports);
console.log(
  `soak: ${config.connections} held connections, ${config.cycles} cycles (concurrency ${config.concurrency}, ` +
    `1 in ${config.badEvery || '∞'} with an unknown ticket), from ${addresses.join(', ')}; ` +
    `open files ${fds.soft}, ephemeral ports ${ports}; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}`,
);
const lanes = lanesFor(addresses);
const checks = [];
const result = {
  date: new Date().toISOString(),
  node: process.version,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryBytes: totalmem(),
    loadavgAtStart: loadavg(),
  },
  config: {
    ...config,
    heapTolerance: HEAP_TOLERANCE,
    clientAddresses: addresses,
    openFilesLimit: fds.soft,
    ephemeralPorts: ports,
  },
};

try {
  console.log('\n1. hold: bare @fastify/websocket');
  const bare = await startServer('bare');
  try {
    result.holdBare = await hold(bare, lanes);
  } finally {
    await bare.stop();
  }

  console.log('\n1. hold: @wsgate/fastify');
  const gate = await startServer('wsgate');
  try {
    result.holdWsgate = await hold(gate, lanes);
    const overhead = {
      heapBytes: result.holdWsgate.perConnection.heapBytes - result.holdBare.perConnection.heapBytes,
      rssBytes: result.holdWsgate.perConnection.rssBytes - result.holdBare.perConnection.rssBytes,
    };
    result.wsgateOverheadPerConnection = overhead;

    if (config.cycles > 0) {
      console.log(`\n2. cycles: ${config.cycles} connect / ticket / close against @wsgate/fastify`);
      const warmup = newCounts();
      await cycles(gate, lanes, 1_000, warmup, 'warm-up');
      await drained(gate);
      const start = await gate.memory();
      const counts = newCounts();
      const seconds = await cycles(gate, lanes, config.cycles, counts);
      const end = await drained(gate);
      const heapGrowth = (end.heapUsed - start.heapUsed) / start.heapUsed;
      result.cycles = {
        attempts: counts.attempts,
        expectedRefusals: counts.bad,
        accepted: counts.accepted,
        refused: counts.refused,
        refusedByStatus: counts.refusedByStatus,
        errors: counts.errors.length,
        firstErrors: counts.errors.slice(0, 10),
        unexpected: counts.unexpected.length,
        firstUnexpected: counts.unexpected.slice(0, 10),
        seconds: Number(seconds.toFixed(1)),
        perSecond: Math.round(counts.attempts / seconds),
        warmup: {
          attempts: warmup.attempts,
          accepted: warmup.accepted,
          refused: warmup.refused,
          errors: warmup.errors.length,
        },
        heapStart: start.heapUsed,
        heapEnd: end.heapUsed,
        heapGrowth: Number(heapGrowth.toFixed(4)),
        rssStart: start.rss,
        rssEnd: end.rss,
      };
      checks.push(
        {
          name: 'accepted + refused = attempts (no errors, no lost outcome)',
          ok: counts.accepted + counts.refused === counts.attempts && counts.errors.length === 0,
        },
        {
          name: 'every unknown ticket refused, every valid one accepted',
          ok: counts.unexpected.length === 0 && counts.refused === counts.bad,
        },
        {
          name: `server heap after gc back within ${HEAP_TOLERANCE * 100} % of the start`,
          ok: heapGrowth <= HEAP_TOLERANCE,
        },
      );
    }
  } finally {
    await gate.stop();
  }
} catch (error) {
  result.error = error.stack ?? String(error);
  checks.push({ name: 'completed without a fault', ok: false });
  console.error(`\nsoak failed: ${error.stack ?? error}`);
} finally {
  for (const lane of lanes) lane.agent.destroy();
}

result.checks = checks;
result.pass = checks.every((check) => check.ok);
mkdirSync(dirname(RESULTS), { recursive: true });
writeFileSync(RESULTS, await formatJson(result));

console.log('\n== soak summary ==');
for (const [label, hold] of [
  ['bare @fastify/websocket', result.holdBare],
  ['@wsgate/fastify', result.holdWsgate],
]) {
  if (hold === undefined) continue;
  console.log(
    `${label.padEnd(24)} ${hold.connections} sockets: heap ${mib(hold.before.heapUsed)} → ${mib(hold.held.heapUsed)} ` +
      `(${kib(hold.perConnection.heapBytes)}/conn), RSS ${mib(hold.before.rss)} → ${mib(hold.held.rss)} ` +
      `(${kib(hold.perConnection.rssBytes)}/conn), opened in ${hold.openSeconds} s`,
  );
}
if (result.wsgateOverheadPerConnection !== undefined) {
  const { heapBytes, rssBytes } = result.wsgateOverheadPerConnection;
  console.log(`${'@wsgate overhead'.padEnd(24)} ${kib(heapBytes)} heap, ${kib(rssBytes)} RSS per connection`);
}
if (result.cycles !== undefined) {
  const c = result.cycles;
  console.log(
    `cycles                   ${c.attempts} attempts = ${c.accepted} accepted + ${c.refused} refused ` +
      `(${JSON.stringify(c.refusedByStatus)}, ${c.expectedRefusals} expected), ${c.errors} errors; ` +
      `${c.perSecond}/s over ${c.seconds} s`,
  );
  console.log(
    `server heap after gc     start ${mib(c.heapStart)}, end ${mib(c.heapEnd)} (${(c.heapGrowth * 100).toFixed(1)} %); ` +
      `RSS ${mib(c.rssStart)} → ${mib(c.rssEnd)}`,
  );
  for (const line of [...c.firstErrors, ...c.firstUnexpected]) console.log(`  ${line}`);
}
for (const check of checks) console.log(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name}`);
console.log(`results: ${RESULTS}`);
process.exit(result.pass ? 0 : 1);
