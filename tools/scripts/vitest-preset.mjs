// Shared Vitest settings for every project. `decorators: true` compiles with SWC so that
// NestJS code gets `emitDecoratorMetadata` (esbuild, Vitest's default, drops it).
import { defineProject } from 'vitest/config';

export async function wsgateProject({ name, decorators = false, testTimeout = 10_000, include } = {}) {
  const plugins = [];
  if (decorators) {
    const { default: swc } = await import('unplugin-swc');
    plugins.push(swc.vite({ module: { type: 'es6' } }));
  }
  return defineProject({
    plugins,
    test: {
      name,
      include: include ?? ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
      testTimeout,
      hookTimeout: 30_000,
      pool: 'forks',
    },
  });
}
