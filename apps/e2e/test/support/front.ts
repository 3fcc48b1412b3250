// A load balancer in front of sample instances (a TCP proxy), as a target of the HTTP helpers,
// and @wsgate/client instances that reach the app through it, recording every ticket they were
// issued and presented.
import { connect as connectClient, type WsGateClient } from '@wsgate/client';
import { request } from 'test-support/http-request';
import { isRecord } from 'test-support/json';
import type { SampleProcess } from 'test-support/sample-process';
import type { TcpProxy } from 'test-support/tcp-proxy';
import type { SecretKind, Target } from 'test-support/target';
import WebSocket from 'ws';
import type { Session } from './http.js';

/** The proxy as a target: requests and sockets go through it; secrets are remembered by every instance. */
export function frontOf(proxy: TcpProxy, instances: () => readonly SampleProcess[]): Target {
  return {
    name: 'front proxy',
    port: proxy.port,
    httpBase: `http://127.0.0.1:${proxy.port}`,
    wsBase: `ws://127.0.0.1:${proxy.port}`,
    ca: undefined,
    remember(value: string, kind: SecretKind) {
      for (const instance of instances()) instance.remember(value, kind);
    },
  };
}

/** A server frame as the client hands it over. */
export interface ServerFrame {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** A @wsgate/client of one session through `target`, and what happened to it. */
export interface RecordedClient {
  readonly client: WsGateClient<Record<string, ServerFrame>>;
  /** Tickets the ticket endpoint gave it, in order. */
  readonly issued: string[];
  /** Tickets it presented in a handshake, in order. */
  readonly presented: string[];
  /** Close codes of its sockets, in order. */
  readonly closes: number[];
  /** Every frame received, in order. */
  readonly frames: ServerFrame[];
  /** `welcome` frames received (one per socket opened). */
  welcomes(): number;
}

const TICKET_PROTOCOL = 'wsgate.ticket.';

/** Connects a @wsgate/client (ticket as a subprotocol, quick retries) for `session` through `target`. */
export function recordedClient(target: Target, session: Session): RecordedClient {
  const issued: string[] = [];
  const presented: string[] = [];
  const closes: number[] = [];
  const frames: ServerFrame[] = [];
  class RecordingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      const offered = typeof protocols === 'string' ? [protocols] : (protocols ?? []);
      for (const protocol of offered)
        if (protocol.startsWith(TICKET_PROTOCOL)) presented.push(protocol.slice(TICKET_PROTOCOL.length));
      super(url, offered, { perMessageDeflate: false });
    }
  }
  const client = connectClient<Record<string, ServerFrame>>({
    ticketUrl: `${target.httpBase}/ws-ticket`,
    url: `${target.wsBase}/ws`,
    transport: 'subprotocol',
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    WebSocket: RecordingWebSocket,
    fetch: async () => {
      const response = await request(target, 'POST', '/ws-ticket', { headers: { cookie: session.cookie } });
      if (isRecord(response.json) && typeof response.json['ticket'] === 'string') {
        issued.push(response.json['ticket']);
        target.remember(response.json['ticket'], 'ticket');
      }
      return {
        ok: response.status >= 200 && response.status < 300,
        status: response.status,
        json: async () => response.json,
      };
    },
  });
  client.on('close', ({ code }) => closes.push(code));
  client.on('message', (frame) => frames.push(frame));
  return {
    client,
    issued,
    presented,
    closes,
    frames,
    welcomes: () => frames.filter((frame) => frame.type === 'welcome').length,
  };
}
