// Turns the raw rounds into the report: summaries, paired ratios, targets, tables, JSON, docs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './availability.mjs';
import { comparisons, targets } from './scenarios.mjs';
import { pairedRatio, summarize } from './stats.mjs';

const METRICS = [
  'throughput',
  'cpuPerUnitUs',
  'serverUtil',
  'clientUtil',
  'otherLoad',
  'redisCpuPerUnitUs',
  'p50Ms',
  'p99Ms',
  'heapPerConnection',
  'rssPerConnection',
  'externalPerConnection',
];

const PACKAGES = [
  'ws',
  'fastify',
  '@fastify/websocket',
  'socket.io',
  'socket.io-client',
  'jsonwebtoken',
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/websockets',
  '@nestjs/platform-ws',
  '@nestjs/platform-express',
  'class-validator',
  'class-transformer',
  'reflect-metadata',
  'ajv',
  'secure-json-parse',
  'ioredis',
  '@wsgate/core',
  '@wsgate/fastify',
  '@wsgate/nestjs',
  '@wsgate/redis-store',
];

const DOCS_BEGIN = '<!-- bench:results:begin -->';
const DOCS_END = '<!-- bench:results:end -->';

function packageVersion(name) {
  // The copy the code under test loads: @wsgate/core has its own ajv, for instance.
  for (const base of [join(repoRoot, 'tools', 'bench'), join(repoRoot, 'packages', 'core'), repoRoot]) {
    const file = join(base, 'node_modules', name, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version;
  }
  return null;
}

function machine() {
  const cpus = os.cpus();
  const ulimit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  return {
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    ulimitNofile: Number(ulimit) || ulimit,
  };
}

/** Which code was measured: the commit, uncommitted changes under packages/, and when each dist was built. */
function codeUnderTest(snapshotBuiltAt) {
  const git = (args) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).stdout?.trim() ?? '';
  const distBuiltAt = {};
  for (const name of ['core', 'fastify', 'nestjs', 'redis-store']) {
    const entry = join(repoRoot, 'packages', name, 'dist', 'esm', 'index.js');
    distBuiltAt[`@wsgate/${name}`] = existsSync(entry) ? statSync(entry).mtime.toISOString() : null;
  }
  const changed = git(['status', '--porcelain', '--', 'packages'])
    .split('\n')
    .filter((line) => line !== '');
  return {
    gitHead: git(['rev-parse', '--short', 'HEAD']) || null,
    uncommittedFilesUnderPackages: changed.length,
    // With a snapshot (the default), the build that was copied when the run started.
    measuredBuild:
      snapshotBuiltAt === undefined ? 'packages/*/dist (no snapshot)' : 'snapshot taken at start',
    distBuiltAt: snapshotBuiltAt ?? distBuiltAt,
  };
}

function summarizeCell(cell) {
  const rounds = cell.rounds.filter((round) => round !== null && round !== undefined);
  const figures = {};
  for (const metric of METRICS) {
    const summary = summarize(rounds.map((round) => round[metric]));
    if (summary !== null) figures[metric] = summary;
  }
  const errors = rounds.reduce((total, round) => total + (round.errors ?? 0), 0);
  const firstError = cell.firstError ?? rounds.find((round) => round.firstError !== undefined)?.firstError;
  const status = cell.status === 'ok' && rounds.length === 0 ? 'error' : cell.status;
  return {
    id: cell.id,
    group: cell.group,
    level: cell.level ?? null,
    stack: cell.key,
    label: cell.label,
    unit: cell.unit,
    status,
    reason: cell.reason ?? (status === 'error' ? firstError : undefined),
    rounds: rounds.length,
    ...(cell.connections === undefined ? {} : { connections: cell.connections }),
    figures,
    units: rounds.reduce((total, round) => total + (round.count ?? 0), 0),
    errors,
    firstError,
    ranOutOfTickets: rounds.filter((round) => round.ranOutOfTickets).length || undefined,
    raw: cell.rounds,
  };
}

function ratioEntry(comparison, cells) {
  const a = cells[comparison.numerator];
  const b = cells[comparison.denominator];
  const base = { ...comparison };
  const missing = [a, b].find((cell) => cell === undefined || cell.status !== 'ok');
  if (a === undefined || b === undefined)
    return { ...base, status: 'not-run', reason: 'scenario not run (--only)' };
  if (missing !== undefined)
    return { ...base, status: missing.status, reason: `${missing.id}: ${missing.reason}` };
  const series = (cell) =>
    cell.raw.map((round) => (round === null || round === undefined ? NaN : round[comparison.metric]));
  const summary = pairedRatio(series(a), series(b));
  if (summary === null) return { ...base, status: 'error', reason: 'no paired round' };
  return {
    ...base,
    status: 'ok',
    median: summary.median,
    min: summary.min,
    max: summary.max,
    samples: summary.samples,
  };
}

function judge(target, ratios, cells) {
  let measured;
  if (target.ratio !== undefined) {
    const ratio = ratios.find((entry) => entry.id === target.ratio);
    if (ratio === undefined) return { ...target, status: 'NOT RUN', reason: 'scenario not run (--only)' };
    if (ratio.status !== 'ok') {
      return {
        ...target,
        status: ratio.status === 'pending' ? 'PENDING' : ratio.status === 'not-run' ? 'NOT RUN' : 'ERROR',
        reason: ratio.reason,
      };
    }
    measured = { median: ratio.median, min: ratio.min, max: ratio.max, kind: 'ratio' };
  } else {
    const cell = cells[target.figure.cell];
    if (cell === undefined) return { ...target, status: 'NOT RUN', reason: 'scenario not run (--only)' };
    const figure = cell.figures[target.figure.metric];
    if (cell.status !== 'ok' || figure === undefined) {
      return { ...target, status: cell.status === 'pending' ? 'PENDING' : 'ERROR', reason: cell.reason };
    }
    measured = { median: figure.median, min: figure.min, max: figure.max, kind: 'figure' };
  }
  const pass = target.op === '<=' ? measured.median <= target.threshold : measured.median >= target.threshold;
  return { ...target, measured, status: pass ? 'PASS' : 'MISS' };
}

/** The whole report, as written to results/latest.json. */
export async function buildReport({
  results,
  settings,
  availability,
  groups,
  durationMs,
  loadAverage,
  snapshotBuiltAt,
  pinned = false,
}) {
  const cells = {};
  for (const cell of Object.values(results.cells)) cells[cell.id] = summarizeCell(cell);
  const ratios = comparisons()
    .filter(
      (comparison) =>
        cells[comparison.numerator] !== undefined || cells[comparison.denominator] !== undefined,
    )
    .map((comparison) => ratioEntry(comparison, cells));
  const judged = targets().map((target) => judge(target, ratios, cells));
  return {
    schema: 1,
    generatedAt: new Date().toISOString(),
    mode: settings.quick ? 'quick' : 'full',
    groups,
    durationSeconds: Math.round(durationMs / 100) / 10,
    machine: { ...machine(), loadAverage, pinned },
    packages: Object.fromEntries(PACKAGES.map((name) => [name, packageVersion(name)])),
    code: codeUnderTest(snapshotBuiltAt),
    settings,
    pending: Object.fromEntries(
      Object.entries(availability).map(([name, state]) => [name, state.ready ? 'ready' : state.reason]),
    ),
    cells,
    ratios,
    targets: judged,
  };
}

// ---------------------------------------------------------------------------------------------
// Formatting

function number(value, digits) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function digitsFor(value) {
  const magnitude = Math.abs(value);
  return magnitude >= 1000 ? 0 : magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
}

function figure(summary, { percent = false, digits } = {}) {
  if (summary === undefined) return '–';
  const scale = percent ? 100 : 1;
  const d = digits ?? (percent ? 0 : digitsFor(summary.median));
  const suffix = percent ? '%' : '';
  return `${number(summary.median * scale, d)}${suffix} (${number(summary.min * scale, d)}–${number(summary.max * scale, d)}${suffix})`;
}

function ratioText(ratio) {
  if (ratio === undefined) return '';
  if (ratio.status !== 'ok') return ratio.status;
  return `${number(ratio.median, 2)}× (${number(ratio.min, 2)}–${number(ratio.max, 2)})`;
}

function markdownTable(headers, rows) {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) =>
    `| ${cells.map((cell, column) => String(cell).padEnd(widths[column])).join(' | ')} |`;
  return [
    line(headers),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

function baselineRatio(report, cell, metric = 'cpuPerUnitUs') {
  return report.ratios.find((ratio) => ratio.numerator === cell.id && ratio.metric === metric);
}

function pendingRow(cell, width) {
  const reason =
    cell.status === 'pending'
      ? `PENDING: ${cell.reason}`
      : `${cell.status.toUpperCase()}: ${cell.reason ?? 'no data'}`;
  return [cell.label, reason, ...Array.from({ length: width - 2 }, () => '')];
}

function connectionTable(report, group, level, unitName) {
  const cells = Object.values(report.cells).filter((cell) => cell.group === group && cell.level === level);
  if (cells.length === 0) return undefined;
  const headers = [
    'Stack',
    `${unitName}s/s`,
    `server CPU µs/${unitName}`,
    'CPU vs baseline',
    'server busy',
    'generator busy',
    'other processes',
    'p50 ms',
    'errors',
  ];
  const rows = cells.map((cell) => {
    if (cell.status !== 'ok') return pendingRow(cell, headers.length);
    const ratio = baselineRatio(report, cell);
    const denominator = ratio === undefined ? '' : ` vs ${ratio.denominator.split(':').pop()}`;
    return [
      cell.label,
      figure(cell.figures.throughput, { digits: 0 }),
      figure(cell.figures.cpuPerUnitUs),
      ratio === undefined ? '—' : `${ratioText(ratio)}${ratio.status === 'ok' ? denominator : ''}`,
      figure(cell.figures.serverUtil, { percent: true }),
      figure(cell.figures.clientUtil, { percent: true }),
      figure(cell.figures.otherLoad, { percent: true }),
      number(cell.figures.p50Ms?.median, 2),
      `${cell.errors}${cell.ranOutOfTickets ? ` (${cell.ranOutOfTickets} window(s) used every ticket)` : ''}`,
    ];
  });
  return markdownTable(headers, rows);
}

function ticketTable(report) {
  const cells = Object.values(report.cells).filter((cell) => cell.group === 'tickets');
  if (cells.length === 0) return undefined;
  const headers = [
    'Ticket store',
    'issue+redeem pairs/s',
    'Node CPU µs/pair',
    'redis-server CPU µs/pair',
    'Node CPU busy',
    'other processes',
    'errors',
  ];
  const rows = cells.map((cell) =>
    cell.status !== 'ok'
      ? pendingRow(cell, headers.length)
      : [
          cell.label,
          figure(cell.figures.throughput, { digits: 0 }),
          figure(cell.figures.cpuPerUnitUs),
          cell.figures.redisCpuPerUnitUs === undefined ? '—' : figure(cell.figures.redisCpuPerUnitUs),
          figure(cell.figures.serverUtil, { percent: true }),
          figure(cell.figures.otherLoad, { percent: true }),
          cell.errors,
        ],
  );
  return markdownTable(headers, rows);
}

function memoryTable(report) {
  const cells = Object.values(report.cells).filter((cell) => cell.group === 'memory');
  if (cells.length === 0) return undefined;
  const headers = [
    'Stack',
    'connections',
    'heap bytes/connection',
    'RSS bytes/connection',
    'external bytes/connection',
    'heap vs its peer',
    'errors',
  ];
  const rows = cells.map((cell) => {
    if (cell.status !== 'ok') return pendingRow(cell, headers.length);
    const ratio = baselineRatio(report, cell, 'heapPerConnection');
    const peer = ratio?.denominator.replace(/^memory:/, '');
    return [
      cell.label,
      number(cell.connections, 0),
      figure(cell.figures.heapPerConnection, { digits: 0 }),
      figure(cell.figures.rssPerConnection, { digits: 0 }),
      figure(cell.figures.externalPerConnection, { digits: 0 }),
      ratio === undefined ? '—' : `${ratioText(ratio)} vs ${peer}`,
      cell.errors,
    ];
  });
  return markdownTable(headers, rows);
}

function targetTable(report) {
  const headers = ['Target', 'measured: median (min–max)', 'status'];
  const rows = report.targets.map((target) => {
    let measured = target.reason ?? '';
    if (target.measured !== undefined) {
      measured =
        target.measured.kind === 'ratio'
          ? `${number(target.measured.median, 2)}× (${number(target.measured.min, 2)}–${number(target.measured.max, 2)})`
          : `${number(target.measured.median, 0)} (${number(target.measured.min, 0)}–${number(target.measured.max, 0)})`;
    }
    return [target.title, measured, target.status];
  });
  return markdownTable(headers, rows);
}

/** All tables as Markdown (used for the console and for docs/benchmarks.md). */
export function markdownReport(report) {
  const sections = [];
  const m = report.machine;
  sections.push(
    `Run: ${report.generatedAt} · mode **${report.mode}** · ${report.durationSeconds} s · ${m.cpuModel} × ${m.cpuCount} · ${m.os} · Node ${m.node} · ` +
      `load average ${m.loadAverage.atStart.map((value) => value.toFixed(1)).join('/')} at start · ` +
      `${m.pinned === true ? 'server and load generator pinned to CPUs of their own' : 'processes not pinned'} · ` +
      `${report.settings.rounds} rounds of ${report.settings.windowMs} ms per cell (A/B/A/B…) · figures are median (min–max) over rounds.`,
  );
  const levels = (group) => [
    ...new Set(
      Object.values(report.cells)
        .filter((cell) => cell.group === group)
        .map((cell) => cell.level),
    ),
  ];
  for (const level of levels('handshake')) {
    const table = connectionTable(report, 'handshake', level, 'handshake');
    if (table !== undefined)
      sections.push(`#### Handshakes, ${level} concurrent client loop${level > 1 ? 's' : ''}\n\n${table}`);
  }
  for (const level of levels('messages')) {
    const table = connectionTable(report, 'messages', level, 'message');
    if (table !== undefined)
      sections.push(
        `#### Messages, ${level} connection${level > 1 ? 's' : ''} (one message in flight per connection)\n\n${table}`,
      );
  }
  const tickets = ticketTable(report);
  if (tickets !== undefined) sections.push(`#### Ticket service (issue + redeem, in process)\n\n${tickets}`);
  const memory = memoryTable(report);
  if (memory !== undefined)
    sections.push(`#### Idle connections (fresh server per round, after \`global.gc()\`)\n\n${memory}`);
  sections.push(`#### Targets\n\n${targetTable(report)}`);
  return sections.join('\n\n');
}

export function printReport(report) {
  process.stdout.write(`\n${markdownReport(report)}\n\n`);
}

/** Replaces the generated section of docs/benchmarks.md; returns the file's path. */
export function updateDocs(report) {
  const file = join(repoRoot, 'docs', 'benchmarks.md');
  const text = readFileSync(file, 'utf8');
  const begin = text.indexOf(DOCS_BEGIN);
  const end = text.indexOf(DOCS_END);
  if (begin === -1 || end === -1 || end < begin)
    throw new Error(`${file} lacks the ${DOCS_BEGIN} … ${DOCS_END} markers`);
  const generated = `${DOCS_BEGIN}\n<!-- Generated by \`node tools/bench/src/run.mjs --update-docs\`: edit outside the markers. -->\n\n${markdownReport(report)}\n\n`;
  writeFileSync(file, `${text.slice(0, begin)}${generated}${text.slice(end)}`);
  return file;
}
