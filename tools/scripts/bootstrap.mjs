#!/usr/bin/env node
// Dependency-free bootstrap run by `npm start` / `npm test` before anything else.
// - runs `npm ci` when node_modules is missing or older than package-lock.json;
// - with --setup, runs tools/setup (what the tests need beyond npm ci: Node 22 and 24 from the
//   npm registry, Debian redis-server and chromium).
// Idempotent: a second run does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lock = join(root, 'package-lock.json');
const installedMarker = join(root, 'node_modules', '.package-lock.json');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[bootstrap] ${command} ${args.join(' ')} failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
}

const stale = !existsSync(installedMarker) || statSync(installedMarker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.log('[bootstrap] node_modules missing or older than package-lock.json: running npm ci');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
if (process.argv.includes('--setup')) {
  run('bash', [join(root, 'tools', 'setup')]);
}
