#!/usr/bin/env node
// `npm run bench:core`: micro-benchmark of @wsgate/core's ticket path, in one process, no sockets.
//   1. issue + redeem throughput through the ticket service and the MemoryTicketStore
//      (sequential awaits, time-bounded rounds after a warm-up; median and min-max of the rounds);
//   2. heap bytes per outstanding ticket with 1 000 000 tickets held, MemoryTicketStore against a
//      naive Map<string, object> store measured the same way in the same run.
// Prints a table and writes results/core-latest.json. A report, not a test: exits 0 unless it crashes.
// Needs --expose-gc (the package script passes it). Flags: --quick, --tickets=N, --round-ms=N,
// --rounds=N, --claims=shared|per-ticket|both (default shared), --out=FILE.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release, arch } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createTicketService, MemoryTicketStore } from '@wsgate/core';

const here = dirname(fileURLToPath(import.meta.url));
const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=');
    return [name, value ?? 'true'];
  }),
);
const quick = args.has('quick');
const TICKETS = Number(args.get('tickets') ?? (quick ? 200_000 : 1_000_000));
const ROUNDS = Number(args.get('rounds') ?? 3);
const ROUND_MS = Number(args.get('round-ms') ?? (quick ? 300 : 700));
const WARMUP_MS = quick ? 200 : 500;
const CLAIMS = args.get('claims') ?? 'shared';
if (!['shared', 'per-ticket', 'both'].includes(CLAIMS))
  throw new TypeError('--claims must be shared, per-ticket or both');
const OUT = resolve(args.get('out') ?? join(here, '..', 'results', 'core-latest.json'));

if (typeof globalThis.gc !== 'function') {
  console.error(
    'core-bench needs --expose-gc: run it as `node --expose-gc src/core-bench.mjs` (npm run bench-core)',
  );
  process.exit(1);
}

const IP = '127.0.0.1';
const ORIGIN = 'http://127.0.0.1:3000';
const SHARED_CLAIMS = Object.freeze({ roles: Object.freeze(['member']) });

/** The naive baseline: what a store without bounds or indexes would keep. */
class NaiveMapStore {
  map = new Map();
  async put(key, record) {
    this.map.set(key, record);
  }
  async take(key) {
    const record = this.map.get(key);
    if (record !== undefined) this.map.delete(key);
    return record;
  }
  async close() {
    this.map.clear();
  }
  get size() {
    return this.map.size;
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function fullGc() {
  // Several passes: weak references and finalizers can free more on the next one.
  for (let pass = 0; pass < 4; pass += 1) globalThis.gc();
}

// ---------------------------------------------------------------- 1. throughput

async function issueRedeemRound(tickets, durationMs) {
  let pairs = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let elapsed = 0;
  for (;;) {
    for (let batch = 0; batch < 256; batch += 1) {
      const { ticket } = await tickets.issue({
        subject: `user-${pairs % 100_000}`,
        sessionId: 'sess-0123456789abcdefghij',
        claims: SHARED_CLAIMS,
        ip: IP,
        origin: ORIGIN,
      });
      const result = await tickets.redeem(ticket, { ip: IP, origin: ORIGIN });
      if (!result.ok) throw new Error(`redeem failed: ${result.reason}`);
      pairs += 1;
    }
    elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
  }
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time per pair is steadier than wall-clock throughput on a shared machine.
  return {
    pairs,
    elapsedMs: elapsed,
    opsPerSecond: (pairs * 1000) / elapsed,
    cpuMicrosecondsPerPair: (cpu.user + cpu.system) / pairs,
  };
}

async function measureThroughput() {
  const store = new MemoryTicketStore({ sweepIntervalMs: 0 });
  const tickets = createTicketService({ store });
  await issueRedeemRound(tickets, WARMUP_MS);
  const rounds = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    fullGc();
    rounds.push(await issueRedeemRound(tickets, ROUND_MS));
  }
  await tickets.close();
  const rates = rounds.map((round) => round.opsPerSecond);
  return {
    store: 'MemoryTicketStore',
    unit: 'issue+redeem pairs per second',
    warmupMs: WARMUP_MS,
    roundMs: ROUND_MS,
    rounds: rounds.map((round) => ({
      pairs: round.pairs,
      elapsedMs: Math.round(round.elapsedMs),
      opsPerSecond: Math.round(round.opsPerSecond),
      cpuMicrosecondsPerPair: Number(round.cpuMicrosecondsPerPair.toFixed(2)),
    })),
    median: Math.round(median(rates)),
    min: Math.round(Math.min(...rates)),
    max: Math.round(Math.max(...rates)),
    microsecondsPerPair: Number((1e6 / median(rates)).toFixed(2)),
    cpuMicrosecondsPerPair: Number(median(rounds.map((round) => round.cpuMicrosecondsPerPair)).toFixed(2)),
  };
}

// ---------------------------------------------------------------- 2. heap per ticket

/**
 * Subjects and session ids belong to the app (its user and session records hold them whether or
 * not a ticket is outstanding), so they are made before the baseline and not charged to the store.
 * Everything the ticket path itself allocates per ticket is charged: the store key, the record, the
 * normalised ip and origin strings, the store's indexes, and the claims object when it is per ticket.
 */
function makeAppData(count) {
  const subjects = new Array(count);
  const sessionIds = new Array(count);
  for (let index = 0; index < count; index += 1) {
    subjects[index] = `user-${1_000_000 + index}`;
    sessionIds[index] = randomBytes(18).toString('base64url'); // 24 characters
  }
  return { subjects, sessionIds };
}

async function measureHeap(label, makeStore, claimsMode, app) {
  fullGc();
  const before = process.memoryUsage().heapUsed;
  const store = makeStore();
  const tickets = createTicketService({ store });
  const started = performance.now();
  for (let index = 0; index < TICKETS; index += 1) {
    await tickets.issue({
      subject: app.subjects[index],
      sessionId: app.sessionIds[index],
      claims: claimsMode === 'shared' ? SHARED_CLAIMS : { roles: ['member'] },
      ip: IP,
      origin: ORIGIN,
    });
  }
  const fillMs = performance.now() - started;
  fullGc();
  const after = process.memoryUsage().heapUsed;
  if (store.size !== TICKETS)
    throw new Error(`${label}: expected ${TICKETS} outstanding tickets, found ${store.size}`);
  const result = {
    store: label,
    claims: claimsMode,
    tickets: TICKETS,
    heapBytes: after - before,
    bytesPerTicket: Math.round((after - before) / TICKETS),
    fillSeconds: Number((fillMs / 1000).toFixed(2)),
  };
  await tickets.close();
  fullGc();
  return result;
}

async function measureMemory() {
  const app = makeAppData(TICKETS);
  const stores = [
    [
      'MemoryTicketStore',
      () => new MemoryTicketStore({ maxEntries: Math.max(1_100_000, TICKETS + 1), sweepIntervalMs: 0 }),
    ],
    ['naive Map', () => new NaiveMapStore()],
  ];
  const results = [];
  for (const claimsMode of CLAIMS === 'both' ? ['shared', 'per-ticket'] : [CLAIMS]) {
    for (const [label, makeStore] of stores)
      results.push(await measureHeap(label, makeStore, claimsMode, app));
  }
  return results;
}

// ---------------------------------------------------------------- report

function pad(text, width, right = false) {
  const value = String(text);
  return right ? value.padStart(width) : value.padEnd(width);
}

function printTable(throughput, memory) {
  const format = (value) => value.toLocaleString('en-US');
  console.log('\n@wsgate/core micro-benchmark');
  console.log(`node ${process.version}, ${cpus().length} CPU(s), ${cpus()[0]?.model ?? 'unknown CPU'}\n`);
  console.log('Ticket issue + redeem (ticket service, MemoryTicketStore, sequential awaits)');
  console.log(
    `  ${pad('pairs/s median', 16, true)} ${pad('min', 10, true)} ${pad('max', 10, true)} ${pad('µs/pair', 9, true)} ${pad('CPU µs/pair', 12, true)}`,
  );
  console.log(
    `  ${pad(format(throughput.median), 16, true)} ${pad(format(throughput.min), 10, true)} ${pad(format(throughput.max), 10, true)} ${pad(throughput.microsecondsPerPair, 9, true)} ${pad(throughput.cpuMicrosecondsPerPair, 12, true)}`,
  );
  console.log(
    `  (${ROUNDS} rounds of ${ROUND_MS} ms after ${WARMUP_MS} ms warm-up; CPU µs = user + system time per pair)`,
  );
  console.log(`\nHeap per outstanding ticket (${format(TICKETS)} tickets, gc() before and after, heapUsed)`);
  console.log(
    `  ${pad('store', 20)} ${pad('claims', 11)} ${pad('bytes/ticket', 13, true)} ${pad('heap MiB', 10, true)} ${pad('fill s', 8, true)}`,
  );
  for (const row of memory) {
    console.log(
      `  ${pad(row.store, 20)} ${pad(row.claims, 11)} ${pad(row.bytesPerTicket, 13, true)} ${pad((row.heapBytes / 2 ** 20).toFixed(1), 10, true)} ${pad(row.fillSeconds, 8, true)}`,
    );
  }
  console.log('');
}

async function main() {
  const started = performance.now();
  const throughput = await measureThroughput();
  const memory = await measureMemory();
  printTable(throughput, memory);
  const report = {
    schema: 1,
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    durationSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    machine: {
      os: `${osType()} ${release()} (${arch()})`,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cpuCount: cpus().length,
      totalMemoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
      node: process.version,
      v8: process.versions.v8,
    },
    setup: {
      ticketService: { ttlMs: 30_000, bindIp: true, bindOrigin: true },
      record: {
        subject: 'user-<7 digits>, distinct per ticket (maxPerSubject never drops)',
        sessionId: '24 characters, distinct per ticket',
        ip: IP,
        origin: ORIGIN,
        claims:
          "{ roles: ['member'] }: 'shared' = one frozen object for every ticket, 'per-ticket' = a new object per ticket",
      },
      accounting:
        'subject and sessionId strings are allocated before the baseline (the app owns them); the store key, record, normalised ip/origin strings, indexes and per-ticket claims are charged to the ticket',
    },
    throughput,
    memory,
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
}

await main();
