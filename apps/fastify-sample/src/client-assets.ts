import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Names of the files the page may load from the client build: flat, lower-case `.js` files.
 * Nothing with a `/`, a `..`, a `%` or another extension (no source maps, no `.d.ts`).
 */
export const CLIENT_ASSET_NAME = /^[a-z0-9-]+\.js$/;

/** The ESM build directory of `@wsgate/client`, as Node resolves the package from this app. */
export function clientEsmDirectory(): string {
  return dirname(fileURLToPath(import.meta.resolve('@wsgate/client')));
}

/**
 * Reads the browser build of `@wsgate/client` once, at start-up: file name → source, only for
 * names matching {@link CLIENT_ASSET_NAME}. The route serves from this map, so a request can
 * never reach any other file, whatever its path.
 */
export async function loadClientAssets(directory = clientEsmDirectory()): Promise<ReadonlyMap<string, string>> {
  const assets = new Map<string, string>();
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.isFile() && CLIENT_ASSET_NAME.test(entry.name)) assets.set(entry.name, await readFile(join(directory, entry.name), 'utf8'));
  }
  if (!assets.has('index.js')) throw new RangeError(`${directory} has no index.js: build @wsgate/client first (npx nx run @wsgate/client:build)`);
  return assets;
}
