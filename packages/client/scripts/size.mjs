#!/usr/bin/env node
// Minified + gzipped size of the ESM build (dist/esm/index.js and what it imports), as a
// browser bundler would ship it. Uses esbuild when installed, else Rolldown (Vite's bundler,
// installed with Vitest). Run `npm run build` first.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'esm', 'index.js');
if (!existsSync(entry)) {
  console.error('dist/esm/index.js is missing: run `npm run build` first');
  process.exit(1);
}

async function withEsbuild() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    platform: 'browser',
  });
  return { tool: `esbuild ${esbuild.version}`, code: result.outputFiles[0].text };
}

async function withRolldown() {
  const { rolldown, VERSION } = await import('rolldown');
  const bundle = await rolldown({ input: entry, platform: 'browser', logLevel: 'silent' });
  const { output } = await bundle.generate({ format: 'esm', minify: true });
  await bundle.close();
  return { tool: `rolldown ${VERSION}`, code: output[0].code };
}

let built;
try {
  built = await withEsbuild();
} catch {
  built = await withRolldown();
}
const raw = Buffer.byteLength(built.code);
const gzipped = gzipSync(built.code, { level: 9 }).length;
console.log(
  `@wsgate/client (dist/esm/index.js, bundled with ${built.tool}): ${raw} bytes minified, ${gzipped} bytes minified+gzipped`,
);
