// One HTTP request to a sample, on node:http/https rather than global fetch, so that the TLS
// scenario can trust the fixture CA and each request uses its own connection (agent: false),
// bound to a chosen local loopback address when needed.
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type RequestOptions as NodeRequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tryParseJson } from './json.js';
import type { Target } from './target.js';

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The parsed body, or `undefined` when the body is not JSON. */
  readonly json: unknown;
  readonly setCookies: readonly string[];
}

export interface RequestOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

/** Sends `method path` to `target` and resolves with the whole response; rejects after `timeoutMs` (5 s). */
export function request(
  target: Pick<Target, 'port' | 'ca'>,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  const requestOptions: NodeRequestOptions & { ca?: string } = {
    host: '127.0.0.1',
    port: target.port,
    method,
    path,
    headers,
    agent: false,
    timeout: options.timeoutMs ?? 5_000,
  };
  if (options.localAddress !== undefined) requestOptions.localAddress = options.localAddress;
  if (target.ca !== undefined) requestOptions.ca = target.ca;
  const send = target.ca === undefined ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(requestOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const setCookie = res.headers['set-cookie'];
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: tryParseJson(text),
          setCookies: setCookie ?? [],
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
