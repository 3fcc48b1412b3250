/** One file of the demo page, ready to send. */
export interface DemoAsset {
  readonly contentType: string;
  readonly body: string;
}

/** CSP of the demo page: only its own scripts run, so injected markup cannot execute. */
export declare const CONTENT_SECURITY_POLICY: string;

/** Flat, lower-case `.js` names: the only files served from the client build. */
export declare const CLIENT_ASSET_NAME: RegExp;

/**
 * Reads the demo page once, at start-up: `/` (HTML), `/app.js`, and
 * `/vendor/wsgate-client/<file>.js` for each file of @wsgate/client's ESM build. Keys are URL
 * paths; a request path not in the map gets a 404, so no request can reach any other file.
 */
export declare function loadDemoAssets(): Promise<ReadonlyMap<string, DemoAsset>>;
