#!/usr/bin/env node
// Pack-and-install smoke test of the five @wsgate packages, as a user gets them from the registry:
// 1. `npm pack` each package (already built) into a temporary directory outside the workspace,
//    and check what each tarball holds;
// 2. create a fresh project there (no workspace links, no `paths`) and `npm install` the tarballs
//    plus the third-party packages at the versions the workspace uses;
// 3. check that every package loads through `import` and `require` with the same exports;
// 4. run (a) an ESM Fastify app (fixtures/fastify-app.mjs) and (b) a CommonJS NestJS app
//    (fixtures/nest-app.cts, compiled to CommonJS with the workspace's tsc against the installed
//    type declarations, then `require('@wsgate/nestjs')`), each on 127.0.0.1:0; against each: a
//    ticket from its ticket route and an authenticated WebSocket round trip with `ws`
//    (fixtures/check-round-trip.mjs), then @wsgate/client (ESM against Fastify, CJS against Nest).
// Prints PASS/FAIL per check and the time of each phase; exits 1 on any failure. Every step is
// bounded by a timeout; the temporary directory is removed at the end (WSGATE_SMOKE_KEEP=1 keeps it).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const fixtures = join(here, 'fixtures');
const PACKAGES = ['core', 'fastify', 'nestjs', 'redis-store', 'client'];
const TOTAL_TIMEOUT_MS = 10 * 60_000;
const INSTALL_TIMEOUT_MS = 5 * 60_000;

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** The third-party packages the apps need, at the exact versions the workspace's packages use. */
function thirdPartyVersions() {
  const wanted = {
    fastify: ['fastify', '@fastify/websocket'],
    nestjs: [
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/websockets',
      '@nestjs/platform-ws',
      '@nestjs/platform-express',
      '@nestjs/throttler',
      'class-validator',
      'class-transformer',
      'reflect-metadata',
      'rxjs',
      'ws',
    ],
  };
  const versions = {};
  for (const [pkg, names] of Object.entries(wanted)) {
    const { devDependencies = {} } = readJson(join(root, 'packages', pkg, 'package.json'));
    for (const name of names) {
      if (!/^\d+\.\d+\.\d+$/.test(devDependencies[name] ?? '')) {
        throw new Error(`packages/${pkg}/package.json has no exact devDependency on ${name}`);
      }
      versions[name] = devDependencies[name];
    }
  }
  // Type declarations of Node for the TypeScript compile of the Nest app.
  versions['@types/node'] = readJson(join(root, 'package.json')).devDependencies['@types/node'];
  return versions;
}

/** The environment of child processes: no `npm_*` variables of the `npm run` that started us. */
function childEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith('npm_')) env[key] = value;
  }
  return { ...env, NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false' };
}

const children = new Set();
/** The temporary directory, once made. */
let work;

/** Stops every child still running and removes the temporary directory (on a timeout or a signal). */
function abort() {
  for (const child of children) stop(child);
  if (work === undefined || process.env.WSGATE_SMOKE_KEEP === '1') return;
  try {
    rmSync(work, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    console.error(
      `[smoke] could not remove ${work}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Runs a command to completion; rejects on a non-zero exit or after `timeoutMs`. */
function run(command, args, { cwd, timeoutMs, quiet = false }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: childEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!quiet) process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!quiet) process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      stop(child);
      reject(new Error(`${command} ${args.join(' ')}: timed out after ${seconds(timeoutMs)}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve({ stdout, stderr });
      else {
        const output = quiet ? `\n${stdout}${stderr}`.trimEnd() : '';
        reject(new Error(`${command} ${args.join(' ')}: exit ${code ?? signal}${output}`));
      }
    });
  });
}

/** Stops a child we started, and its own children (it leads its process group). */
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  setTimeout(() => {
    try {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, 3_000).unref();
}

/** Starts an app; resolves with its port once it prints "LISTENING <port>". */
function startApp(file, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      cwd,
      env: childEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let output = '';
    const timer = setTimeout(() => {
      stop(child);
      reject(new Error(`${file} did not start within 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk) => {
      output += chunk;
      const match = /LISTENING (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ port: Number(match[1]), child, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      children.delete(child);
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code}) before listening:\n${output}`));
    });
  });
}

const results = [];
const timings = [];

async function phase(name, action) {
  const startedAt = Date.now();
  try {
    const value = await action();
    timings.push([name, Date.now() - startedAt]);
    return value;
  } catch (error) {
    timings.push([`${name} (failed)`, Date.now() - startedAt]);
    throw error;
  }
}

/** Runs one app and its checks; records PASS/FAIL instead of throwing. */
async function checkApp(label, file, cwd, checks) {
  const startedAt = Date.now();
  let app;
  try {
    console.log(`\n[smoke] ${label}`);
    app = await startApp(file, cwd);
    console.log(`  started on 127.0.0.1:${app.port}`);
    for (const [script, ...args] of checks) {
      await run(process.execPath, [script, String(app.port), ...args], { cwd, timeoutMs: 60_000 });
    }
    results.push([label, true]);
    console.log(`PASS ${label}`);
  } catch (error) {
    results.push([label, false]);
    console.error(`FAIL ${label}: ${error instanceof Error ? error.message : String(error)}`);
    if (app !== undefined) console.error(app.output());
  } finally {
    if (app !== undefined) stop(app.child);
    timings.push([label, Date.now() - startedAt]);
  }
}

/** Checks a tarball's file list: the dual build and types are in, sources and tests are not. */
function checkTarball({ name, filename, files }) {
  const paths = new Set(files.map((file) => file.path));
  const required = [
    'package.json',
    'README.md',
    'dist/esm/index.js',
    'dist/esm/index.d.ts',
    'dist/cjs/index.js',
    'dist/cjs/index.d.ts',
    'dist/cjs/package.json',
  ];
  const missing = required.filter((path) => !paths.has(path));
  const unwanted = [...paths].filter(
    (path) =>
      !path.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(path),
  );
  if (missing.length > 0 || unwanted.length > 0) {
    throw new Error(`${filename}: missing [${missing.join(', ')}], unexpected [${unwanted.join(', ')}]`);
  }
  console.log(`  ok  ${name}: ${filename}, ${files.length} files`);
}

async function main() {
  const missingBuilds = PACKAGES.filter(
    (pkg) => !existsSync(join(root, 'packages', pkg, 'dist', 'cjs', 'index.js')),
  );
  if (missingBuilds.length > 0) {
    throw new Error(
      `not built: ${missingBuilds.join(', ')} (run \`npx nx run package-smoke:test\`, which builds them first)`,
    );
  }
  const versions = thirdPartyVersions();
  work = await mkdtemp(join(tmpdir(), 'wsgate-smoke-'));
  const tarballs = join(work, 'tarballs');
  const project = join(work, 'app');
  console.log(`[smoke] working in ${work}`);
  try {
    await mkdir(tarballs);
    await mkdir(project);

    const packed = await phase('npm pack (5 packages)', async () => {
      console.log('\n[smoke] npm pack');
      const dirs = PACKAGES.map((pkg) => join(root, 'packages', pkg));
      const { stdout } = await run(
        'npm',
        ['pack', ...dirs, '--pack-destination', tarballs, '--json', '--loglevel=error'],
        {
          cwd: work,
          timeoutMs: 120_000,
          quiet: true,
        },
      );
      const list = JSON.parse(stdout);
      for (const entry of list) checkTarball(entry);
      return list;
    });

    const names = packed.map((entry) => entry.name);
    const dependencies = Object.fromEntries(
      packed.map((entry) => [entry.name, `file:../tarballs/${entry.filename}`]),
    );
    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify(
        {
          name: 'wsgate-smoke-app',
          version: '0.0.0',
          private: true,
          dependencies: { ...dependencies, ...versions },
          // Every @wsgate/* dependency, direct or not, is the packed tarball (never a registry copy).
          overrides: Object.fromEntries(names.map((name) => [name, `$${name}`])),
        },
        null,
        2,
      )}\n`,
    );
    for (const file of [
      'fastify-app.mjs',
      'nest-app.cts',
      'tsconfig.json',
      'check-round-trip.mjs',
      'check-client.mjs',
      'check-client.cjs',
      'check-exports.mjs',
    ]) {
      await copyFile(join(fixtures, file), join(project, file));
    }

    await phase('npm install (tarballs + third-party packages)', async () => {
      console.log(
        `\n[smoke] npm install: 5 tarballs, ${Object.entries(versions)
          .map(([name, version]) => `${name}@${version}`)
          .join(' ')}`,
      );
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
        cwd: project,
        timeoutMs: INSTALL_TIMEOUT_MS,
      });
      // The lock file says where each @wsgate package came from: only from the tarballs.
      const lock = readJson(join(project, 'package-lock.json'));
      const copies = Object.entries(lock.packages).filter(([path]) =>
        /(^|\/)node_modules\/@wsgate\//.test(path),
      );
      const foreign = copies.filter(
        ([path, entry]) =>
          !/^node_modules\/@wsgate\/[^/]+$/.test(path) || !String(entry.resolved).startsWith('file:'),
      );
      if (copies.length !== names.length || foreign.length > 0) {
        throw new Error(
          `@wsgate packages not (only) from the tarballs: ${JSON.stringify(copies.map(([path, entry]) => [path, entry.resolved]))}`,
        );
      }
      console.log(`  ok  ${copies.length} @wsgate packages installed, each once, from the tarballs`);
    });

    await phase('exports (import and require)', async () => {
      console.log('\n[smoke] exports');
      try {
        await run(process.execPath, ['check-exports.mjs', ...names], { cwd: project, timeoutMs: 60_000 });
        results.push(['exports: import and require', true]);
        console.log('PASS exports: import and require');
      } catch (error) {
        results.push(['exports: import and require', false]);
        console.error(`FAIL exports: ${error instanceof Error ? error.message : String(error)}`);
      }
    });

    await checkApp('(a) Fastify app, ESM (fastify-app.mjs)', 'fastify-app.mjs', project, [
      ['check-round-trip.mjs'],
      ['check-client.mjs'],
    ]);

    let compiled = false;
    await phase('tsc: nest-app.cts -> nest-app.cjs', async () => {
      console.log('\n[smoke] tsc nest-app.cts (CommonJS, skipLibCheck: false)');
      try {
        await run(
          process.execPath,
          [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
          {
            cwd: project,
            timeoutMs: 180_000,
          },
        );
        compiled = true;
      } catch (error) {
        results.push(['(b) NestJS app, CommonJS: TypeScript compile', false]);
        console.error(
          `FAIL (b) NestJS app, CommonJS: TypeScript compile: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });
    if (compiled) {
      await checkApp('(b) NestJS app, CommonJS (nest-app.cjs)', 'nest-app.cjs', project, [
        ['check-round-trip.mjs', '--dto'],
        ['check-client.cjs'],
      ]);
    }
  } finally {
    if (process.env.WSGATE_SMOKE_KEEP === '1') console.log(`[smoke] kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

const startedAt = Date.now();
const deadline = setTimeout(() => {
  console.error(`FAIL package smoke test: over ${seconds(TOTAL_TIMEOUT_MS)}`);
  abort();
  setTimeout(() => process.exit(1), 3_500).unref();
}, TOTAL_TIMEOUT_MS);
deadline.unref();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    abort();
    process.exit(1);
  });
}

let fatal;
try {
  await main();
} catch (error) {
  fatal = error;
  console.error(`FAIL package smoke test: ${error instanceof Error ? error.message : String(error)}`);
}
clearTimeout(deadline);

console.log('\n[smoke] summary');
for (const [name, passed] of results) console.log(`  ${passed ? 'PASS' : 'FAIL'}  ${name}`);
console.log('[smoke] timings');
for (const [name, ms] of timings) console.log(`  ${seconds(ms).padStart(7)}  ${name}`);
console.log(`  ${seconds(Date.now() - startedAt).padStart(7)}  total`);
const passed = fatal === undefined && results.length > 0 && results.every(([, ok]) => ok);
console.log(passed ? 'PASS package smoke test' : 'FAIL package smoke test');
process.exitCode = passed ? 0 : 1;
