/** One file of the demo page, ready to send. */
export interface DemoAsset {
  readonly contentType: string;
  readonly body: string;
}

/** What carries the page's chat: `ws` (@wsgate/client) or `socket.io` (@wsgate/client/socket.io). */
export type DemoTransport = 'ws' | 'socket.io';

/** CSP of the demo page: only its own scripts run, so injected markup cannot execute. */
export declare const CONTENT_SECURITY_POLICY: string;

/** Flat, lower-case `.js` names: the only files served from the client build. */
export declare const CLIENT_ASSET_NAME: RegExp;

/**
 * Reads the demo page once, at start-up: `/` (HTML), `/app.js`, `/chat-transport.js` (the
 * transport module of `transport`, default `ws`), and `/vendor/wsgate-client/<file>.js` for each
 * file of @wsgate/client's ESM build; for `socket.io` also its `socket.io/` helper files and
 * `/vendor/socket.io-client/socket.io.esm.min.js`. Keys are URL paths; a request path not in the
 * map gets a 404, so no request can reach any other file.
 */
export declare function loadDemoAssets(options?: {
  readonly transport?: DemoTransport;
}): Promise<ReadonlyMap<string, DemoAsset>>;
