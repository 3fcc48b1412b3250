#!/usr/bin/env node
// Compares two profiles of `--profile=handshake|messages` per unit (handshake or message): where
// one stack spends more busy time than the other, by package and by function (self and
// inclusive µs per unit). Each argument is a profile without its extension: the `.cpuprofile`
// and the `.summary.json` beside it (which carries the number of units profiled).
//
//   node src/profile-diff.mjs results/profiles/handshake-wsgate-fastify results/profiles/handshake-fastify-bare
//
// Flags: --top=N (rows per table, default 30), --min=µs (hide rows whose difference is smaller).
import { readFileSync } from 'node:fs';
import { describeFunction, profileTimes } from './lib/cpuprofile.mjs';

function load(base) {
  const summary = JSON.parse(readFileSync(`${base}.summary.json`, 'utf8'));
  if (!(summary.units > 0)) throw new Error(`${base}.summary.json has no units: profile it again`);
  const times = profileTimes(`${base}.cpuprofile`);
  // Keys without the run's snapshot directory, so that two runs' profiles compare.
  const byFunction = (map) => {
    const out = new Map();
    for (const [key, us] of map) {
      const { function: fn, package: pkg, location } = describeFunction(key);
      const name = `${fn}  [${pkg}] ${location}`;
      out.set(name, (out.get(name) ?? 0) + us / summary.units);
    }
    return out;
  };
  return {
    units: summary.units,
    cpuPerUnitUs: summary.cpuPerUnitUs,
    busyPerUnitUs: times.busyUs / summary.units,
    byPackage: new Map([...times.byPackage].map(([pkg, us]) => [pkg, us / summary.units])),
    self: byFunction(times.self),
    inclusive: byFunction(times.inclusive),
  };
}

function diffRows(a, b) {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].map((key) => ({ key, a: a.get(key) ?? 0, b: b.get(key) ?? 0 }));
}

const flags = new Map();
const files = [];
for (const arg of process.argv.slice(2)) {
  const match = /^--([a-z]+)=(.*)$/.exec(arg);
  if (match === null) files.push(arg.replace(/\.(cpuprofile|summary\.json)$/, ''));
  else flags.set(match[1], Number(match[2]));
}
if (files.length !== 2) {
  process.stderr.write('usage: node src/profile-diff.mjs PROFILE_A PROFILE_B [--top=N] [--min=µs]\n');
  process.exit(2);
}
const top = flags.get('top') ?? 30;
const min = flags.get('min') ?? 0;
const [a, b] = files.map(load);
const fmt = (us) => us.toFixed(2).padStart(8);
const table = (title, rows) => {
  const lines = [`-- ${title} (µs per unit: A, B, A − B)`];
  for (const row of rows
    .filter((entry) => Math.abs(entry.a - entry.b) >= min)
    .sort((x, y) => y.a - y.b - (x.a - x.b))
    .slice(0, top))
    lines.push(`${fmt(row.a)} ${fmt(row.b)} ${fmt(row.a - row.b)}  ${row.key}`);
  return lines.join('\n');
};
process.stdout.write(
  [
    `A ${files[0]}: ${a.units} units, ${a.busyPerUnitUs.toFixed(1)} µs profiled busy, ${a.cpuPerUnitUs.toFixed(1)} µs process CPU per unit`,
    `B ${files[1]}: ${b.units} units, ${b.busyPerUnitUs.toFixed(1)} µs profiled busy, ${b.cpuPerUnitUs.toFixed(1)} µs process CPU per unit`,
    table('by package, self', diffRows(a.byPackage, b.byPackage)),
    table('by function, self', diffRows(a.self, b.self)),
    table('by function, inclusive', diffRows(a.inclusive, b.inclusive)),
    '',
  ].join('\n'),
);
