#!/usr/bin/env node
// Pack-and-install smoke test of the six @wsgate packages, as a user gets them from the registry:
// 1. `npm pack` each package (already built) into a temporary directory outside the workspace;
//    check what each tarball holds, and that each manifest declares third-party dependencies and
//    peers as `^` ranges while pinning the other @wsgate packages exactly;
// 2. create three fresh consumer projects there (no workspace links, no `paths`) and
//    `npm install` into each the tarballs it needs plus its third-party packages:
//    (a) Fastify 5, ESM: core, fastify, redis-store, client, with fastify, @fastify/websocket and
//        typebox 1.x at the workspace's versions, and `ws` left to npm (as a user would);
//    (b) NestJS 11, CommonJS: core, nestjs, client, with NestJS 11 at the workspace's versions
//        (packages/nestjs devDependencies), and nothing of Socket.IO: none of @wsgate/nestjs's
//        optional Socket.IO peers may end up installed;
//    (c) NestJS 12, ESM: the same tarballs plus socket.io, with NestJS 12 (and
//        @nestjs/platform-socket.io) at the versions of fixtures/nest12/package.json (the workspace
//        stays on NestJS 11: see that file), socket.io and socket.io-client at the workspace's;
//    and check that every @wsgate package came from the tarballs, once, and how many copies of
//    `ws` each install holds: one for Fastify; for Nest at most @nestjs/platform-ws's own and the
//    one @wsgate/nestjs resolves (which must satisfy its `ws` peer range), plus Engine.IO's own
//    where Socket.IO is installed (@wsgate/socket.io replaces Engine.IO's `ws` server by its own;
//    socket.io-client's engine.io-client has its own too);
// 3. check that every package (and the subpaths: @wsgate/core/typebox, and the Socket.IO ones in
//    (c)) loads through `import` and `require` with the same exports;
// 4. run the apps, each on 127.0.0.1:0: (a) fixtures/fastify-app.mjs; (b) and (c) one source,
//    fixtures/nest-app.ts, compiled with the workspace's tsc (skipLibCheck: false, against the
//    installed type declarations) as nest-app.cts to CommonJS and as nest-app.mts to ESM; against
//    each: a ticket from its ticket route and an authenticated WebSocket round trip with `ws`
//    (fixtures/check-round-trip.mjs), then @wsgate/client (ESM against (a) and (c), CJS against (b));
//    and in (c) fixtures/nest-io-app.ts, compiled as nest-io-app.mts (WsGateIoAdapter from
//    @wsgate/nestjs/socket.io), against which fixtures/check-socket-io.mjs connects through
//    @wsgate/client/socket.io and socket.io-client.
// Everything runs on the Node that runs this script (`process.execPath`, and `npm` from PATH):
// `tools/scripts/node-runtime.mjs run 22 node smoke.mjs` runs it on Node 22.
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
const PACKAGES = ['core', 'fastify', 'nestjs', 'redis-store', 'client', 'socket.io'];
const TOTAL_TIMEOUT_MS = 10 * 60_000;
const INSTALL_TIMEOUT_MS = 5 * 60_000;

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Exact versions from a manifest's `field`, failing if one is missing or not exact. */
function exactVersions(manifestPath, field, names) {
  const entries = readJson(manifestPath)[field] ?? {};
  const versions = {};
  for (const name of names) {
    if (!/^\d+\.\d+\.\d+$/.test(entries[name] ?? '')) {
      throw new Error(`${manifestPath} has no exact ${field} entry for ${name}`);
    }
    versions[name] = entries[name];
  }
  return versions;
}

const workspaceManifest = (pkg) => join(root, 'packages', pkg, 'package.json');
/** The NestJS 12 consumer's own manifest: the one home of the NestJS 12 versions. */
const NEST12_MANIFEST = join(fixtures, 'nest12', 'package.json');
/** Packages every Nest consumer takes at the workspace's versions, whatever its Nest major. */
const NEST_SHARED = [
  '@nestjs/throttler',
  'class-validator',
  'class-transformer',
  'reflect-metadata',
  'rxjs',
  'ws',
];
const NEST_FRAMEWORK = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/websockets',
  '@nestjs/platform-ws',
  '@nestjs/platform-express',
];
/** What a Nest app on `ws` never installs: @wsgate/nestjs's optional Socket.IO peers (and Engine.IO). */
const SOCKET_IO_PACKAGES = ['@wsgate/socket.io', '@nestjs/platform-socket.io', 'socket.io', 'engine.io'];

/** Type declarations of Node, for the TypeScript compile of the Nest apps. */
const typesNode = () => ({
  '@types/node': readJson(join(root, 'package.json')).devDependencies['@types/node'],
});

/**
 * The consumer projects: which tarballs each installs, which third-party packages at which
 * versions, what it compiles, which apps it runs with which checks.
 */
function consumers() {
  const nestShared = exactVersions(workspaceManifest('nestjs'), 'devDependencies', NEST_SHARED);
  return [
    {
      id: 'fastify',
      packages: ['core', 'fastify', 'redis-store', 'client'],
      subpaths: ['@wsgate/core/typebox'],
      thirdParty: {
        ...exactVersions(workspaceManifest('fastify'), 'devDependencies', ['fastify', '@fastify/websocket']),
        ...exactVersions(workspaceManifest('core'), 'devDependencies', ['typebox']),
      },
      wsCopies: 'one',
      absent: [],
      compile: [],
      apps: [
        {
          label: '(a) Fastify app, ESM (fastify-app.mjs)',
          file: 'fastify-app.mjs',
          checks: [['check-round-trip.mjs'], ['check-client.mjs']],
        },
      ],
    },
    {
      id: 'nest11',
      packages: ['core', 'nestjs', 'client'],
      subpaths: [],
      thirdParty: {
        ...exactVersions(workspaceManifest('nestjs'), 'devDependencies', NEST_FRAMEWORK),
        ...nestShared,
        ...typesNode(),
      },
      wsCopies: 'nest',
      absent: SOCKET_IO_PACKAGES,
      compile: [['nest-app.ts', 'nest-app.cts']],
      apps: [
        {
          label: '(b) NestJS 11 app, CommonJS (nest-app.cjs)',
          file: 'nest-app.cjs',
          checks: [['check-round-trip.mjs', '--dto'], ['check-client.cjs']],
        },
      ],
    },
    {
      id: 'nest12',
      packages: ['core', 'nestjs', 'client', 'socket.io'],
      subpaths: ['@wsgate/nestjs/socket.io', '@wsgate/client/socket.io'],
      thirdParty: {
        ...exactVersions(NEST12_MANIFEST, 'dependencies', [...NEST_FRAMEWORK, '@nestjs/platform-socket.io']),
        ...exactVersions(workspaceManifest('nestjs'), 'devDependencies', ['socket.io', 'socket.io-client']),
        ...nestShared,
        ...typesNode(),
      },
      wsCopies: 'nest',
      absent: [],
      compile: [
        ['nest-app.ts', 'nest-app.mts'],
        ['nest-io-app.ts', 'nest-io-app.mts'],
      ],
      apps: [
        {
          label: '(c) NestJS 12 app, ESM (nest-app.mjs)',
          file: 'nest-app.mjs',
          checks: [['check-round-trip.mjs', '--dto'], ['check-client.mjs']],
        },
        {
          label: '(c) NestJS 12 Socket.IO app, ESM (nest-io-app.mjs)',
          file: 'nest-io-app.mjs',
          checks: [['check-socket-io.mjs']],
        },
      ],
    },
  ];
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

/**
 * Checks a published manifest: third-party dependencies and peers are `^` ranges (each
 * alternative of a `||` range), the other @wsgate packages are pinned to this release exactly.
 */
function checkManifest(dir) {
  const manifest = readJson(join(dir, 'package.json'));
  const problems = [];
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (name.startsWith('@wsgate/')) {
        if (range !== manifest.version)
          problems.push(`${field}.${name} "${range}" (want "${manifest.version}")`);
      } else if (!range.split('||').every((part) => /^\^\d+\.\d+\.\d+$/.test(part.trim()))) {
        problems.push(`${field}.${name} "${range}" (want a ^ range)`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`${manifest.name}: ${problems.join(', ')}`);
  console.log(`  ok  ${manifest.name}: third-party ranges are ^ ranges, @wsgate pins exact`);
}

/** `major.minor.patch` → comparable numbers. */
const versionParts = (version) => version.split(/[.+-]/, 3).map(Number);

/** Whether `version` satisfies a range of `^x.y.z` alternatives (the only form we publish). */
function satisfiesCaret(version, range) {
  const [major, minor, patch] = versionParts(version);
  return range.split('||').some((part) => {
    const [wantMajor, wantMinor, wantPatch] = versionParts(part.trim().replace(/^\^/, ''));
    if (major !== wantMajor) return false;
    return minor > wantMinor || (minor === wantMinor && patch >= wantPatch);
  });
}

/**
 * Where Node would find `name` from the package installed at lockfile path `from`: its own
 * node_modules, then each enclosing one up to the project's.
 */
function resolveInLock(lock, from, name) {
  let dir = from;
  for (;;) {
    const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (lock.packages[candidate] !== undefined) return candidate;
    if (dir === '') return undefined;
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent === -1 ? '' : dir.slice(0, parent);
  }
}

/**
 * Counts the copies of `ws` in an install. Fastify: exactly one. Nest: only @nestjs/platform-ws's
 * own and the one @wsgate/nestjs resolves, which must satisfy @wsgate/nestjs's `ws` peer range,
 * plus, with Socket.IO, the one @wsgate/socket.io resolves and Engine.IO's own, server (unused:
 * @wsgate/socket.io hands Engine.IO its own `ws` server) and client (socket.io-client's).
 */
function checkWsCopies(lock, kind) {
  const copies = Object.keys(lock.packages).filter((path) => /(^|\/)node_modules\/ws$/.test(path));
  const describe = (paths) => paths.map((path) => `${path}@${lock.packages[path].version}`).join(', ');
  if (kind === 'one') {
    if (copies.length !== 1)
      throw new Error(`want one copy of ws, found ${copies.length}: ${describe(copies)}`);
    console.log(`  ok  one copy of ws: ${describe(copies)}`);
    return;
  }
  const gate = resolveInLock(lock, 'node_modules/@wsgate/nestjs', 'ws');
  const platform = resolveInLock(lock, 'node_modules/@nestjs/platform-ws', 'ws');
  const peerRange = lock.packages['node_modules/@wsgate/nestjs'].peerDependencies.ws;
  if (gate === undefined || !satisfiesCaret(lock.packages[gate].version, peerRange)) {
    throw new Error(
      `@wsgate/nestjs resolves ws ${gate === undefined ? 'nowhere' : describe([gate])}, want ${peerRange}`,
    );
  }
  // With Socket.IO: the `ws` @wsgate/socket.io resolves, and Engine.IO's own (server and client).
  const socketIo = Object.keys(lock.packages)
    .filter((path) => /(^|\/)node_modules\/(@wsgate\/socket\.io|engine\.io|engine\.io-client)$/.test(path))
    .map((owner) => resolveInLock(lock, owner, 'ws'))
    .filter((path) => path !== undefined);
  const allowed = new Set([gate, platform, ...socketIo]);
  const extra = copies.filter((path) => !allowed.has(path));
  if (extra.length > 0) {
    throw new Error(`copies of ws beyond @nestjs/platform-ws's and @wsgate/nestjs's: ${describe(extra)}`);
  }
  console.log(
    `  ok  ${copies.length} ${copies.length === 1 ? 'copy' : 'copies'} of ws: @wsgate/nestjs → ${describe([gate])} (${peerRange}), @nestjs/platform-ws → ${describe([platform])}${socketIo.length === 0 ? '' : `, Socket.IO → ${describe([...new Set(socketIo)])}`}`,
  );
}

/** Checks that none of `names` is installed anywhere in the lock (optional peers stay out). */
function checkAbsent(lock, names) {
  if (names.length === 0) return;
  const found = Object.keys(lock.packages).filter((path) =>
    names.some((name) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`)),
  );
  if (found.length > 0) throw new Error(`installed although nothing asked for them: ${found.join(', ')}`);
  console.log(`  ok  none of ${names.join(', ')} installed`);
}

/** Writes a consumer project, installs it, and checks where its packages came from. */
async function installConsumer(consumer, work, packed) {
  const project = join(work, consumer.id);
  await mkdir(project);
  const tarballs = packed.filter((entry) => consumer.packages.some((pkg) => entry.name === `@wsgate/${pkg}`));
  const dependencies = Object.fromEntries(
    tarballs.map((entry) => [entry.name, `file:../tarballs/${entry.filename}`]),
  );
  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: `wsgate-smoke-${consumer.id}`,
        version: '0.0.0',
        private: true,
        dependencies: { ...dependencies, ...consumer.thirdParty },
        // Every @wsgate/* dependency, direct or not, is the packed tarball (never a registry copy).
        overrides: Object.fromEntries(tarballs.map(({ name }) => [name, `$${name}`])),
      },
      null,
      2,
    )}\n`,
  );
  for (const file of FIXTURE_FILES) await copyFile(join(fixtures, file), join(project, file));
  if (consumer.compile.length > 0) {
    for (const [source, target] of consumer.compile)
      await copyFile(join(fixtures, source), join(project, target));
    const tsconfig = readJson(join(fixtures, 'tsconfig.json'));
    await writeFile(
      join(project, 'tsconfig.json'),
      `${JSON.stringify({ ...tsconfig, files: consumer.compile.map(([, target]) => target) }, null, 2)}\n`,
    );
  }
  console.log(
    `\n[smoke] npm install (${consumer.id}): ${tarballs.map(({ name }) => name).join(' ')} ${Object.entries(
      consumer.thirdParty,
    )
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
    /(^|\/)node_modules\/@wsgate\/[^/]+$/.test(path),
  );
  const foreign = copies.filter(
    ([path, entry]) =>
      !/^node_modules\/@wsgate\/[^/]+$/.test(path) || !String(entry.resolved).startsWith('file:'),
  );
  if (copies.length !== tarballs.length || foreign.length > 0) {
    throw new Error(
      `@wsgate packages not (only) from the tarballs: ${JSON.stringify(copies.map(([path, entry]) => [path, entry.resolved]))}`,
    );
  }
  console.log(`  ok  ${copies.length} @wsgate packages installed, each once, from the tarballs`);
  checkWsCopies(lock, consumer.wsCopies);
  checkAbsent(lock, consumer.absent);
  return { project, names: [...tarballs.map(({ name }) => name), ...consumer.subpaths] };
}

/** Records one named check as PASS or FAIL instead of throwing. */
async function check(label, action) {
  try {
    await action();
    results.push([label, true]);
    console.log(`PASS ${label}`);
    return true;
  } catch (error) {
    results.push([label, false]);
    console.error(`FAIL ${label}: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

const FIXTURE_FILES = [
  'fastify-app.mjs',
  'check-round-trip.mjs',
  'check-client.mjs',
  'check-client.cjs',
  'check-exports.mjs',
  'check-socket-io.mjs',
];

async function main() {
  const missingBuilds = PACKAGES.filter(
    (pkg) => !existsSync(join(root, 'packages', pkg, 'dist', 'cjs', 'index.js')),
  );
  if (missingBuilds.length > 0) {
    throw new Error(
      `not built: ${missingBuilds.join(', ')} (run \`npx nx run package-smoke:test\`, which builds them first)`,
    );
  }
  const planned = consumers();
  work = await mkdtemp(join(tmpdir(), 'wsgate-smoke-'));
  const tarballs = join(work, 'tarballs');
  console.log(`[smoke] Node ${process.version}, working in ${work}`);
  try {
    await mkdir(tarballs);

    const packed = await phase(`npm pack (${PACKAGES.length} packages)`, async () => {
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
      await check('manifests: ^ ranges for third-party packages, exact @wsgate pins', () => {
        for (const dir of dirs) checkManifest(dir);
      });
      return list;
    });

    for (const consumer of planned) {
      let installed;
      await phase(`npm install (${consumer.id})`, () =>
        check(`${consumer.id}: install from the tarballs, copies of ws`, async () => {
          installed = await installConsumer(consumer, work, packed);
        }),
      );
      if (installed === undefined) continue;
      const { project, names } = installed;

      await phase(`exports (${consumer.id})`, () =>
        check(`${consumer.id}: exports through import and require`, () =>
          run(process.execPath, ['check-exports.mjs', ...names], { cwd: project, timeoutMs: 60_000 }),
        ),
      );

      if (consumer.compile.length > 0) {
        const files = consumer.compile.map(([, target]) => target).join(' ');
        const compiled = await phase(`tsc ${files} (${consumer.id})`, () => {
          console.log(`\n[smoke] tsc ${files} (skipLibCheck: false)`);
          return check(`${consumer.id}: TypeScript compile of ${files}`, () =>
            run(
              process.execPath,
              [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
              {
                cwd: project,
                timeoutMs: 180_000,
              },
            ),
          );
        });
        if (!compiled) continue;
      }
      for (const app of consumer.apps) await checkApp(app.label, app.file, project, app.checks);
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
