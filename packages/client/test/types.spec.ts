import { describe, expectTypeOf, it } from 'vitest';
import { WebSocket as WsWebSocket } from 'ws';
import {
  connect,
  type CloseInfo,
  type ConnectionState,
  type FetchLike,
  type MessageMap,
  type RetryInfo,
  type ServerMessage,
  type StopInfo,
  type WebSocketConstructorLike,
  type WsGateClient,
  type WsGateClientError,
} from '../src/index.js';

interface Welcome {
  type: 'welcome';
  user: string;
  roles: string[];
}
interface Chat {
  type: 'chat';
  room: string;
  from: string;
  text: string;
  at: number;
}
interface ServerError {
  type: 'error';
  code: string;
  message: string;
}
type AsUnion = Welcome | Chat | ServerError;
interface AsMap {
  welcome: Welcome;
  chat: Chat;
  error: ServerError;
}
interface Join {
  type: 'join';
  room: string;
}
type Outbound = Join | { type: 'whoami' };

declare const fromUnion: WsGateClient<AsUnion, Outbound>;
declare const fromMap: WsGateClient<AsMap>;
declare const untyped: WsGateClient;

/** Type-level assertions only: `tsc` checks the body, nothing runs it (the clients above are declared, not created). */
function typeOnly(_body: () => void): void {
  // intentionally never calls _body
}

describe('types', () => {
  it('a union and a map give the same message map', () => {
    expectTypeOf<MessageMap<AsUnion>>().toEqualTypeOf<{ welcome: Welcome; chat: Chat; error: ServerError }>();
    expectTypeOf<MessageMap<AsMap>>().toEqualTypeOf<AsMap>();
  });

  it('on(type) is typed by the message map', () => {
    typeOnly(() => {
      fromUnion.on('welcome', (message) => expectTypeOf(message).toEqualTypeOf<Welcome>());
      fromMap.on('chat', (message) => expectTypeOf(message).toEqualTypeOf<Chat>());
      fromMap.on('message', (message) => expectTypeOf(message).toEqualTypeOf<Welcome | Chat | ServerError>());
      // @ts-expect-error not a server message type
      fromUnion.on('nope', () => undefined);
      // @ts-expect-error wrong payload type
      fromUnion.on('welcome', (message: Chat) => message);
    });
  });

  it('lifecycle events are typed and win over a server message of the same name', () => {
    typeOnly(() => {
      fromMap.on('state', (state) => expectTypeOf(state).toEqualTypeOf<ConnectionState>());
      fromMap.on('close', (info) => expectTypeOf(info).toEqualTypeOf<CloseInfo>());
      fromMap.on('error', (error) => expectTypeOf(error).toEqualTypeOf<WsGateClientError>());
      fromMap.on('stopped', (info) => expectTypeOf(info).toEqualTypeOf<StopInfo>());
      fromMap.on('retry', (info) => expectTypeOf(info).toEqualTypeOf<RetryInfo>());
      expectTypeOf(fromMap.state).toEqualTypeOf<ConnectionState>();
      expectTypeOf(fromMap.on('state', () => undefined)).toEqualTypeOf<() => void>();
    });
  });

  it('without type arguments: any type, properties unknown, never any', () => {
    typeOnly(() => {
      untyped.on('anything', (message) => {
        expectTypeOf(message).toEqualTypeOf<ServerMessage>();
        expectTypeOf(message['user']).toEqualTypeOf<unknown>();
        expectTypeOf(message).not.toBeAny();
      });
      untyped.send({ type: 'join', room: 'x' });
      // @ts-expect-error an outbound message needs a string type
      untyped.send({ room: 'x' });
    });
  });

  it('send() is typed by the outbound union', () => {
    typeOnly(() => {
      fromUnion.send({ type: 'join', room: 'lobby' });
      fromUnion.send({ type: 'whoami' });
      // @ts-expect-error missing room
      fromUnion.send({ type: 'join' });
      // @ts-expect-error unknown type
      fromUnion.send({ type: 'leave' });
      expectTypeOf(connect<AsUnion, Outbound>({ ticketUrl: '/t', url: '/ws' })).toEqualTypeOf<
        WsGateClient<AsUnion, Outbound>
      >();
    });
  });

  it('the ws package, the DOM WebSocket and fetch fit the injectable types', () => {
    expectTypeOf(WsWebSocket).toExtend<WebSocketConstructorLike>();
    expectTypeOf<typeof globalThis.WebSocket>().toExtend<WebSocketConstructorLike>();
    expectTypeOf<typeof globalThis.fetch>().toExtend<FetchLike>();
  });
});
