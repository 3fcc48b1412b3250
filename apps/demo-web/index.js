// The demo page both samples serve, loaded once at start-up into a path → asset map.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export const CLIENT_ASSET_NAME = /^[a-z0-9-]+\.js$/;

const JAVASCRIPT = 'text/javascript; charset=utf-8';

export async function loadDemoAssets() {
  const assets = new Map();
  const publicDirectory = fileURLToPath(new URL('./public/', import.meta.url));
  assets.set('/', {
    contentType: 'text/html; charset=utf-8',
    body: await readFile(join(publicDirectory, 'index.html'), 'utf8'),
  });
  assets.set('/app.js', {
    contentType: JAVASCRIPT,
    body: await readFile(join(publicDirectory, 'app.js'), 'utf8'),
  });
  const clientDirectory = dirname(fileURLToPath(import.meta.resolve('@wsgate/client')));
  for (const entry of await readdir(clientDirectory, { withFileTypes: true })) {
    if (entry.isFile() && CLIENT_ASSET_NAME.test(entry.name)) {
      assets.set(`/vendor/wsgate-client/${entry.name}`, {
        contentType: JAVASCRIPT,
        body: await readFile(join(clientDirectory, entry.name), 'utf8'),
      });
    }
  }
  if (!assets.has('/vendor/wsgate-client/index.js')) {
    throw new RangeError(
      `${clientDirectory} has no index.js: build @wsgate/client first (npx nx run @wsgate/client:build)`,
    );
  }
  return assets;
}
