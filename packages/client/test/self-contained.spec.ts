// The client ships with no dependency, at run time or in its published types: its sources
// import only each other (the Standard Schema interface is a copy, types only). The
// `@wsgate/client/socket.io` helper is handed socket.io-client's `io` by the app, so
// socket.io-client is an optional peer (what the app installs), never imported.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) =>
  file.endsWith('.ts'),
);

/** Every module specifier of `import`/`export ... from`, `import('...')` and `require('...')` (comments aside). */
function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const pattern =
    /\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]/g;
  return [...code.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? match[3]!);
}

describe('no dependency', () => {
  it('package.json declares no dependencies, and socket.io-client only as an optional peer', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest['dependencies']).toBeUndefined();
    expect(manifest['optionalDependencies']).toBeUndefined();
    expect(Object.keys(manifest['peerDependencies'] as object)).toEqual(['socket.io-client']);
    expect(manifest['peerDependenciesMeta']).toEqual({ 'socket.io-client': { optional: true } });
  });

  it('the sources (hence dist, .js and .d.ts) import nothing but each other', () => {
    expect(sources.length).toBeGreaterThan(5);
    const foreign = sources.flatMap((file) =>
      specifiers(readFileSync(join(root, 'src', file), 'utf8'))
        .filter((specifier) => !specifier.startsWith('./') && !specifier.startsWith('../'))
        .map((specifier) => `${file}: ${specifier}`),
    );
    expect(foreign).toEqual([]);
  });
});
