// The demo page the samples serve, loaded once at start-up into a path → asset map.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export const CLIENT_ASSET_NAME = /^[a-z0-9-]+\.js$/;

const JAVASCRIPT = 'text/javascript; charset=utf-8';

/** The page's transport module, served as /chat-transport.js, per transport. */
const TRANSPORT_MODULES = { ws: 'ws-transport.js', 'socket.io': 'socketio-transport.js' };

/** Adds every flat `.js` file of `directory` under `prefix`; returns how many. */
async function addScripts(assets, directory, prefix) {
  let added = 0;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.isFile() && CLIENT_ASSET_NAME.test(entry.name)) {
      assets.set(`${prefix}${entry.name}`, {
        contentType: JAVASCRIPT,
        body: await readFile(join(directory, entry.name), 'utf8'),
      });
      added += 1;
    }
  }
  return added;
}

export async function loadDemoAssets(options = {}) {
  const transport = options.transport ?? 'ws';
  if (!Object.hasOwn(TRANSPORT_MODULES, transport))
    throw new RangeError(`transport must be 'ws' or 'socket.io', not ${String(transport)}`);
  const assets = new Map();
  const publicDirectory = fileURLToPath(new URL('./public/', import.meta.url));
  assets.set('/', {
    contentType: 'text/html; charset=utf-8',
    body: await readFile(join(publicDirectory, 'index.html'), 'utf8'),
  });
  for (const [path, file] of [
    ['/app.js', 'app.js'],
    ['/chat-transport.js', TRANSPORT_MODULES[transport]],
  ]) {
    assets.set(path, { contentType: JAVASCRIPT, body: await readFile(join(publicDirectory, file), 'utf8') });
  }
  const clientDirectory = dirname(fileURLToPath(import.meta.resolve('@wsgate/client')));
  await addScripts(assets, clientDirectory, '/vendor/wsgate-client/');
  if (!assets.has('/vendor/wsgate-client/index.js')) {
    throw new RangeError(
      `${clientDirectory} has no index.js: build @wsgate/client first (npx nx run @wsgate/client:build)`,
    );
  }
  if (transport === 'socket.io') {
    await addScripts(assets, join(clientDirectory, 'socket.io'), '/vendor/wsgate-client/socket.io/');
    // socket.io-client's browser ES module (its package exports only the CommonJS bundle).
    const socketIoClient = dirname(fileURLToPath(import.meta.resolve('socket.io-client/package.json')));
    assets.set('/vendor/socket.io-client/socket.io.esm.min.js', {
      contentType: JAVASCRIPT,
      body: await readFile(join(socketIoClient, 'dist', 'socket.io.esm.min.js'), 'utf8'),
    });
  }
  return assets;
}
