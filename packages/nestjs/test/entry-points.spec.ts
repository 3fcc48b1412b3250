// `ws` users install nothing of Socket.IO: the main entry loads without socket.io,
// @nestjs/platform-socket.io and @wsgate/socket.io (optional peers), which only the
// `@wsgate/nestjs/socket.io` subpath needs. Each of them throws here when loaded.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('socket.io', () => {
  throw new Error('socket.io loaded');
});
vi.mock('@nestjs/platform-socket.io', () => {
  throw new Error('@nestjs/platform-socket.io loaded');
});
vi.mock('@wsgate/socket.io', () => {
  throw new Error('@wsgate/socket.io loaded');
});

const SOCKET_IO_PEERS = ['@nestjs/platform-socket.io', '@wsgate/socket.io', 'socket.io'];

describe('entry points', () => {
  it('loads the main entry without any Socket.IO package', async () => {
    const main = await import('../src/index.js');
    expect(typeof main.WsGateAdapter).toBe('function');
    expect(typeof main.WsGateExceptionFilter).toBe('function');
  });

  it('loads them in the socket.io subpath (so the check above can fail)', async () => {
    const failure = await import('../src/socket.io/index.js').then(
      () => undefined,
      (error: unknown) => error as Error & { cause?: Error },
    );
    expect(failure?.cause?.message).toMatch(
      /^(socket\.io|@nestjs\/platform-socket\.io|@wsgate\/socket\.io) loaded$/,
    );
  });

  it('declares them as optional peers, exported from the subpath only', () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
      exports: Record<string, unknown>;
    };
    for (const name of SOCKET_IO_PEERS) {
      expect(manifest.peerDependencies[name], name).toBeDefined();
      expect(manifest.peerDependenciesMeta[name], name).toEqual({ optional: true });
    }
    expect(Object.keys(manifest.exports)).toEqual(['.', './socket.io', './package.json']);
  });
});
