// Shared Vitest settings for every project. `decorators: true` compiles with SWC so that
// NestJS code gets `emitDecoratorMetadata` (esbuild, Vitest's default, drops it).
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const PACKAGES = fileURLToPath(new URL('../../packages/', import.meta.url));

/**
 * Unit and integration tests import the @wsgate packages from their TypeScript sources, not
 * from `dist`: a test never runs against a stale build, and one package's tests do not depend on
 * another package being built at that moment. The built, packed form is what
 * `tools/package-smoke` and the samples (run as processes by apps/e2e) exercise.
 * `@wsgate/<name>` → `packages/<name>/src/index.ts`; `@wsgate/<name>/<sub>` →
 * `packages/<name>/src/<sub>/index.ts`.
 */
const SOURCE_ALIASES = [
  { find: /^@wsgate\/([a-z.-]+)$/, replacement: `${PACKAGES}$1/src/index.ts` },
  { find: /^@wsgate\/([a-z.-]+)\/([a-z.-]+)$/, replacement: `${PACKAGES}$1/src/$2/index.ts` },
];

export async function wsgateProject({
  name,
  decorators = false,
  testTimeout = 10_000,
  include,
  sourceAliases = true,
} = {}) {
  const plugins = [];
  if (decorators) {
    const { default: swc } = await import('unplugin-swc');
    plugins.push(swc.vite({ module: { type: 'es6' } }));
  }
  return defineProject({
    plugins,
    resolve: { alias: sourceAliases ? SOURCE_ALIASES : [] },
    test: {
      name,
      include: include ?? ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
      testTimeout,
      hookTimeout: 30_000,
      pool: 'forks',
    },
  });
}
