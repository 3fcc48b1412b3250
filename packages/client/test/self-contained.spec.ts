// The client ships with no dependency, at run time or in its published types: its sources
// import only each other (the Standard Schema interface is a copy, types only).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) =>
  file.endsWith('.ts'),
);

/** Every module specifier of `import`/`export ... from`, `import('...')` and `require('...')`. */
function specifiers(code: string): string[] {
  const pattern =
    /\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]/g;
  return [...code.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? match[3]!);
}

describe('no dependency', () => {
  it('package.json declares no dependencies or peer dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest['dependencies']).toBeUndefined();
    expect(manifest['peerDependencies']).toBeUndefined();
    expect(manifest['optionalDependencies']).toBeUndefined();
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
