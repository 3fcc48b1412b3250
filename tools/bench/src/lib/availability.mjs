// Which optional packages are ready: @wsgate/redis-store and @wsgate/nestjs are being written
// alongside the bench; their scenarios run once their dist is built and exports what we use.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

async function probe(packageDir, requiredExports, snapshot) {
  const built =
    snapshot === undefined
      ? existsSync(join(repoRoot, 'packages', packageDir, 'dist', 'esm', 'index.js'))
      : snapshot.packages.includes(packageDir);
  if (!built)
    return {
      ready: false,
      reason: `packages/${packageDir}/dist/esm/index.js does not exist (package not built yet)`,
    };
  try {
    // Through the snapshot's resolution hooks when the run took one (snapshot.mjs).
    const module = await import(`@wsgate/${packageDir}`);
    const missing = requiredExports.filter((name) => module[name] === undefined);
    if (missing.length > 0)
      return {
        ready: false,
        reason: `packages/${packageDir}/dist does not export ${missing.join(', ')} yet`,
      };
    return { ready: true, reason: undefined };
  } catch (error) {
    return { ready: false, reason: `packages/${packageDir}/dist fails to load: ${error.message}` };
  }
}

/** `{ redisStore, nestjs }`, each `{ ready, reason }`. */
export async function checkAvailability(snapshot) {
  const [redisStore, nestjs] = await Promise.all([
    probe('redis-store', ['RedisTicketStore', 'createIoRedisCommand'], snapshot),
    probe(
      'nestjs',
      ['WsGateAdapter', 'WsGateModule', 'WsValidationPipe', 'WsAuthGuard', 'WsGateService', 'getWsPrincipal'],
      snapshot,
    ),
  ]);
  const redisServer = existsSync('/usr/bin/redis-server')
    ? { ready: true, reason: undefined }
    : { ready: false, reason: '/usr/bin/redis-server is not installed (tools/setup installs it)' };
  return { redisStore, nestjs, redisServer };
}
