#!/usr/bin/env node
// `node src/handshake-wakeups.mjs <stack> [handshakes=3000] [loops=1] [windows=3]`: handshakes
// against one bench stack (scenarios.mjs), `loops` client loops, and per handshake the server's
// CPU and how often the server and the load generator went to sleep and were woken (voluntary
// context switches, /proc/<pid>/status). A diagnostic for the one-loop cells, where a handshake
// that makes the client wait twice costs a wake-up more on both sides; not part of `npm run bench`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkRpc } from './lib/ipc.mjs';
import { STACKS } from './lib/scenarios.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [stackId, handshakesArg = '3000', loopsArg = '1', windowsArg = '3'] = process.argv.slice(2);
const stack = STACKS[stackId];
if (stack === undefined || stack.client !== 'ws') {
  const names = Object.keys(STACKS).filter(
    (id) => STACKS[id].client === 'ws' && STACKS[id].requires === undefined,
  );
  process.stderr.write(`usage: handshake-wakeups.mjs <${names.join('|')}> [handshakes] [loops] [windows]\n`);
  process.exit(2);
}
const handshakes = Number(handshakesArg);
const loops = Number(loopsArg);

/** Voluntary context switches of a process so far. */
function sleepsOf(pid) {
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

const server = forkRpc(join(here, 'lib', 'server-host.mjs'), {
  execArgv: ['--expose-gc', ...(process.env.PERF ? ['--perf-basic-prof'] : [])],
  name: 'server',
});
const worker = forkRpc(join(here, 'lib', 'load-worker.mjs'), { name: 'load worker' });
try {
  const { port, pid } = await server.call('start', { stack: stack.module, options: { ...stack.options } });
  if (process.env.PIN) {
    const { execFileSync } = await import('node:child_process');
    execFileSync('taskset', ['-a', '-pc', '1', String(pid)]);
    execFileSync('taskset', ['-a', '-pc', '0', String(worker.child.pid)]);
  }
  const window = async (count) => {
    const tickets = stack.tickets ? await server.call('issue', { n: count }, 60_000) : undefined;
    const [serverSleeps, clientSleeps, cpu] = [
      sleepsOf(pid),
      sleepsOf(worker.child.pid),
      await server.call('cpu'),
    ];
    const result = await worker.call(
      'handshakes',
      { kind: stack.client, port, concurrency: loops, durationMs: 120_000, maxCount: count, tickets },
      180_000,
    );
    const cpuAfter = await server.call('cpu');
    const per = (value) => Number((value / result.count).toFixed(2));
    return {
      handshakes: result.count,
      errors: result.errors,
      serverCpuUs: per(cpuAfter.cpuUs - cpu.cpuUs),
      serverWakeups: per(sleepsOf(pid) - serverSleeps),
      clientWakeups: per(sleepsOf(worker.child.pid) - clientSleeps),
    };
  };
  await window(Math.min(handshakes, 1000)); // warm-up
  if (process.env.PERF) {
    await window(handshakes);
    const { spawn } = await import('node:child_process');
    const perf = spawn(
      'perf',
      ['record', '-q', '-e', 'cpu-clock', '-F', '4000', '-g', '-p', String(pid), '-o', process.env.PERF],
      { stdio: 'inherit' },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.stdout.write(`${stackId} perf ${JSON.stringify(await window(handshakes))}\n`);
    perf.kill('SIGINT');
    await new Promise((resolve) => perf.once('exit', resolve));
  }
  for (let index = 0; index < Number(windowsArg); index += 1)
    process.stdout.write(`${stackId} loops=${loops} ${JSON.stringify(await window(handshakes))}\n`);
} finally {
  await server.stop();
  await worker.stop();
}
