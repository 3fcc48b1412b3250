// Summary of a V8 .cpuprofile (node --cpu-prof): where the busy time goes, by package and by
// function, with @wsgate's own functions listed by self and inclusive time.
import { readFileSync } from 'node:fs';

const OURS = /^@wsgate\//;

function packageOf(url, functionName) {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return '(idle)';
    return '(program / native)';
  }
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  // The run's copy of the packages (snapshot.mjs) or the packages themselves.
  const snapshot = /\/wsgate-bench-[^/]+\/([^/]+)\/dist\//.exec(url);
  if (snapshot !== null) return `@wsgate/${snapshot[1]}`;
  const workspace = /\/packages\/([^/]+)\//.exec(url);
  if (workspace !== null) return `@wsgate/${workspace[1]}`;
  if (url.includes('/tools/bench/')) return 'bench harness';
  return url;
}

function shortLocation(url, lineNumber) {
  const trimmed = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/wsgate-bench-[^/]+\//, 'packages/')
    .replace(/^.*\/(packages|node_modules)\//, '$1/');
  return `${trimmed}:${lineNumber + 1}`;
}

/**
 * Busy time of a .cpuprofile (idle excluded), in µs: in total, by package (self) and by function
 * (`name\turl\tline` keys; self and inclusive, a recursive function counted once per sample).
 */
export function profileTimes(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node) =>
    `${node.callFrame.functionName || '(anonymous)'}\t${node.callFrame.url}\t${node.callFrame.lineNumber}`;

  const self = new Map();
  const inclusive = new Map();
  const byPackage = new Map();
  let busyUs = 0;
  const { samples, timeDeltas } = profile;
  for (let index = 0; index < samples.length; index += 1) {
    // V8 attributes timeDeltas[i + 1] to the gap after sample i; the first delta is the start offset.
    const delta = timeDeltas[index + 1] ?? 0;
    const node = nodes.get(samples[index]);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    if (pkg === '(idle)') continue;
    busyUs += delta;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + delta);
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + delta);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const ancestorKey = keyOf(nodes.get(id));
      if (seen.has(ancestorKey)) continue;
      seen.add(ancestorKey);
      inclusive.set(ancestorKey, (inclusive.get(ancestorKey) ?? 0) + delta);
    }
  }
  return { busyUs, byPackage, self, inclusive };
}

/** A function key of {@link profileTimes} as `{ function, package, location }`. */
export function describeFunction(key) {
  const [fn, url, line] = key.split('\t');
  return {
    function: fn,
    package: packageOf(url, fn),
    location: url === '' ? '' : shortLocation(url, Number(line)),
  };
}

/** Reads a .cpuprofile and returns `{ busyMs, byPackage, topSelf, ours }`. */
export function summarizeCpuProfile(file, { top = 25 } = {}) {
  const { busyUs, byPackage, self, inclusive } = profileTimes(file);
  const describe = (key, selfUs, totalUs) => {
    return {
      ...describeFunction(key),
      selfMs: Math.round(selfUs / 100) / 10,
      selfShare: selfUs / busyUs,
      totalMs: Math.round(totalUs / 100) / 10,
      totalShare: totalUs / busyUs,
    };
  };
  const functions = [...inclusive.keys()].map((key) => describe(key, self.get(key) ?? 0, inclusive.get(key)));
  return {
    busyMs: Math.round(busyUs / 100) / 10,
    byPackage: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ package: name, ms: Math.round(us / 100) / 10, share: us / busyUs })),
    topSelf: functions
      .filter((entry) => entry.selfMs > 0)
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top),
    ours: functions
      .filter((entry) => OURS.test(entry.package))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, top),
  };
}

const percent = (share) => `${(share * 100).toFixed(1)}%`;

/** The summary as text. */
export function formatCpuProfileSummary(title, summary) {
  const perUnit =
    summary.units > 0
      ? `, ${summary.units} units: ${((summary.busyMs * 1000) / summary.units).toFixed(1)} µs profiled busy and ${summary.cpuPerUnitUs.toFixed(1)} µs process CPU per unit`
      : '';
  const lines = [
    `== ${title}: ${summary.busyMs} ms busy (idle excluded)${perUnit}`,
    '-- by package (self time)',
  ];
  for (const entry of summary.byPackage.slice(0, 15))
    lines.push(`  ${percent(entry.share).padStart(6)}  ${entry.package}`);
  lines.push('-- top functions by self time');
  for (const entry of summary.topSelf.slice(0, 20)) {
    lines.push(
      `  ${percent(entry.selfShare).padStart(6)}  ${entry.function}  [${entry.package}] ${entry.location}`,
    );
  }
  lines.push('-- @wsgate functions by inclusive time (self)');
  for (const entry of summary.ours.slice(0, 20)) {
    lines.push(
      `  ${percent(entry.totalShare).padStart(6)} (${percent(entry.selfShare)})  ${entry.function}  ${entry.location}`,
    );
  }
  return lines.join('\n');
}
