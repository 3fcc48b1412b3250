// A copy of the @wsgate packages' `dist`, taken once when a run starts, which the server and
// load-generator processes import instead of packages/*/dist (see snapshot-hooks.mjs). Other
// engineers rebuild those packages while the bench runs; without the copy a run could measure
// two versions of the code, or fail to start a server while a `dist` is being rewritten.
import { spawn } from 'node:child_process';
import { register } from 'node:module';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './availability.mjs';

const PACKAGES = ['core', 'fastify', 'nestjs', 'redis-store', 'socket.io'];
const REGISTER = fileURLToPath(new URL('./snapshot-register.mjs', import.meta.url));

/** Environment and `execArgv` that make a child process import the snapshot. */
export function snapshotProcessOptions(snapshot) {
  if (snapshot === undefined) return { env: process.env, execArgv: [] };
  return {
    env: {
      ...process.env,
      WSGATE_BENCH_SNAPSHOT: snapshot.dir,
      WSGATE_BENCH_PACKAGES: join(repoRoot, 'packages'),
      WSGATE_BENCH_SNAPSHOT_PACKAGES: snapshot.packages.join(','),
    },
    execArgv: ['--import', REGISTER],
  };
}

function copyOnce() {
  const dir = mkdtempSync(join(tmpdir(), 'wsgate-bench-'));
  const packages = [];
  const builtAt = {};
  for (const name of PACKAGES) {
    const dist = join(repoRoot, 'packages', name, 'dist');
    const entry = join(dist, 'esm', 'index.js');
    if (!existsSync(entry)) continue;
    builtAt[`@wsgate/${name}`] = statSync(entry).mtime.toISOString();
    cpSync(join(dist, 'esm'), join(dir, name, 'dist', 'esm'), { recursive: true });
    packages.push(name);
  }
  return { dir, packages, builtAt };
}

/** Imports every snapshot package in a child process; resolves with `{ ok, error }`. */
function verify(snapshot) {
  const { env, execArgv } = snapshotProcessOptions(snapshot);
  const code = snapshot.packages.map((name) => `await import('@wsgate/${name}');`).join(' ');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...execArgv, '--input-type=module', '-e', code], {
      cwd: join(repoRoot, 'tools', 'bench'),
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({
        ok: status === 0,
        error: stderr.split('\n').find((line) => line.includes('Error')) ?? `exit ${status}`,
      });
    });
  });
}

/** Makes this process import the snapshot too (for the availability check). */
export function useSnapshotHere(snapshot) {
  if (snapshot === undefined) return;
  register('./snapshot-hooks.mjs', import.meta.url, {
    data: { snapshotDir: snapshot.dir, packagesDir: join(repoRoot, 'packages'), names: snapshot.packages },
  });
}

/**
 * Copies the built packages to a temporary directory and checks that they load; retries (three
 * times, 3 s apart) when a rebuild was in progress. Returns `undefined` if no copy loads: the run
 * then imports the packages' own dist directories.
 */
export async function takeSnapshot(log) {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const snapshot = copyOnce();
    const check = await verify(snapshot);
    if (check.ok) return snapshot;
    removeSnapshot(snapshot);
    log(`snapshot of the @wsgate packages does not load (${check.error}); retrying in 3 s`);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
  log('no consistent snapshot of the @wsgate packages: importing packages/*/dist directly');
  return undefined;
}

export function removeSnapshot(snapshot) {
  if (snapshot !== undefined) rmSync(snapshot.dir, { recursive: true, force: true });
}
