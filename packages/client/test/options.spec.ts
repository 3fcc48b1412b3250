import { describe, expect, it } from 'vitest';
import { connect, type ConnectOptions, WsGateClientError } from '../src/index.js';
import { WebSocket } from './support/helpers.js';

const base: ConnectOptions = {
  ticketUrl: 'http://127.0.0.1:1/ticket',
  url: 'ws://127.0.0.1:1/ws',
  WebSocket,
  fetch: async () => new Response('', { status: 401 }),
};

describe('options', () => {
  it.each<[string, Partial<ConnectOptions> | Record<string, unknown>]>([
    ['empty ticketUrl', { ticketUrl: '' }],
    ['invalid url', { url: 'not a url' }],
    ['non-ws url', { url: 'ftp://h/ws' }],
    ['url with a fragment', { url: 'ws://h/ws#x' }],
    ['unknown transport', { transport: 'cookie' }],
    ['the removed first-message transport', { transport: 'first-message' }],
    ['negative queueLimit', { queueLimit: -1 }],
    ['fractional queueLimit', { queueLimit: 1.5 }],
    ['empty queryParam', { queryParam: '' }],
    ['maxAttempts NaN', { reconnect: { maxAttempts: Number.NaN } }],
    ['maxAttempts negative', { reconnect: { maxAttempts: -1 } }],
    ['factor below 1', { reconnect: { factor: 0.5 } }],
    ['maxDelayMs below initialDelayMs', { reconnect: { initialDelayMs: 100, maxDelayMs: 50 } }],
    ['random not a function', { reconnect: { random: 0.5 } }],
    ['reauthenticateJitterMs negative', { reconnect: { reauthenticateJitterMs: -1 } }],
    ['reauthenticateJitterMs infinite', { reconnect: { reauthenticateJitterMs: Infinity } }],
    ['reauthenticateJitterMs not a number', { reconnect: { reauthenticateJitterMs: '100' } }],
    ['fetchInit not an object', { fetchInit: 'no' }],
  ])('refuses %s with WSGATE_CLIENT_INVALID_OPTION', (_name, override) => {
    const attempt = () => connect({ ...base, ...override } as ConnectOptions);
    expect(attempt).toThrow(WsGateClientError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'WSGATE_CLIENT_INVALID_OPTION' }));
  });

  it('refuses to start without a WebSocket or fetch implementation', () => {
    const saved = { WebSocket: globalThis.WebSocket, fetch: globalThis.fetch };
    try {
      Reflect.deleteProperty(globalThis, 'WebSocket');
      expect(() => connect({ ...base, WebSocket: undefined })).toThrow(
        expect.objectContaining({ code: 'WSGATE_CLIENT_INVALID_OPTION' }),
      );
      Reflect.deleteProperty(globalThis, 'fetch');
      expect(() => connect({ ...base, fetch: undefined })).toThrow(
        expect.objectContaining({ code: 'WSGATE_CLIENT_INVALID_OPTION' }),
      );
    } finally {
      Object.assign(globalThis, saved);
    }
  });

  it('converts http(s) URLs to ws(s) and accepts the reconnect: false shorthand', async () => {
    const urls: string[] = [];
    const Recording = class {
      readyState = 0;
      onopen = null;
      onmessage = null;
      onclose: ((event: { code: number; reason: string }) => void) | null = null;
      onerror = null;
      constructor(url: string) {
        urls.push(url);
        queueMicrotask(() => this.onclose?.({ code: 1006, reason: '' }));
      }
      send(): void {
        // never opens
      }
      close(): void {
        // never opens
      }
    };
    let calls = 0;
    const client = connect({
      ...base,
      url: 'https://app.example/ws?room=1',
      transport: 'query',
      WebSocket: Recording,
      reconnect: false,
      fetch: async () => {
        calls += 1;
        return new Response(JSON.stringify({ ticket: `t${calls}` }));
      },
    });
    const stopped = await new Promise((resolve) => client.on('stopped', resolve));
    expect(urls).toEqual(['wss://app.example/ws?room=1&ticket=t1']);
    expect(stopped).toEqual({ reason: 'retries-exhausted' });
    expect(calls).toBe(2); // the attempt, then the probe after a failure before open
  });

  it('uses globalThis.fetch by default, called as a plain function (no "Illegal invocation" in browsers)', async () => {
    const saved = globalThis.fetch;
    const seen: unknown[] = [];
    globalThis.fetch = async function (this: unknown) {
      seen.push(this);
      return new Response('', { status: 403 });
    } as typeof fetch;
    try {
      const client = connect({ ...base, fetch: undefined });
      const stopped = await new Promise((resolve) => client.on('stopped', resolve));
      expect(stopped).toEqual({ reason: 'forbidden', statusCode: 403 });
      expect(seen).toEqual([undefined]); // not called as a method of the options or config object
    } finally {
      globalThis.fetch = saved;
    }
  });
});
