// Socket.IO gateways and clients for the WsGateIoAdapter specs: gateways written the usual way
// (@WebSocketGateway(), @SubscribeMessage, @MessageBody, @ConnectedSocket), a real Nest app per
// describe block on 127.0.0.1, and socket.io-client (the helpers of packages/socket.io's specs).
import 'reflect-metadata';
import { UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type WsResponse,
} from '@nestjs/websockets';
import type { Principal } from '@wsgate/core';
import { IsString, Length, Matches } from 'class-validator';
import type { Server, Socket } from 'socket.io';
import { clientSocket, nextEvent, type ClientOptions } from '../../socket.io/test/support/clients.js';
import {
  getWsPrincipal,
  RequireClaims,
  Roles,
  rolesOf,
  WsAuthGuard,
  WsGateExceptionFilter,
  WsGateMessageException,
  WsGateModule,
  type WsGateModuleOptions,
  WsPrincipal,
  WsRawMessage,
  WsValidationPipe,
} from '../src/index.js';
import { WsGateIoAdapter, type WsGateIoAdapterOptions } from '../src/socket.io/index.js';
import { createApp, type CreateAppOptions, DenyAllGuard, type Platform, type TestApp } from './support.js';

export {
  disconnection,
  emitAck,
  nextEvent,
  rawPoll,
  rawUpgrade,
} from '../../socket.io/test/support/clients.js';

/** The allowed Origin of the test apps (the one packages/socket.io's client helpers send). */
export const IO_ORIGIN = 'https://app.example.com';
export const IO_OPTIONS: WsGateModuleOptions = { origins: { allow: [IO_ORIGIN] } };

export class RoomBody {
  @IsString()
  @Matches(/^[a-z0-9_-]{1,32}$/)
  room!: string;
}

export class TextBody {
  @IsString()
  @Length(1, 2000)
  text!: string;
}

export class ChatBody {
  @IsString()
  @Matches(/^[a-z0-9_-]{1,32}$/)
  room!: string;

  @IsString()
  @Length(1, 2000)
  text!: string;
}

/** The main namespace: filter, auth guard, validation pipe, as an app writes them. */
@UseFilters(WsGateExceptionFilter)
@UseGuards(WsAuthGuard)
@UsePipes(new WsValidationPipe())
@WebSocketGateway()
export class IoChatGateway implements OnGatewayConnection {
  @WebSocketServer()
  server!: Server;

  handleConnection(socket: Socket): void {
    const principal = getWsPrincipal(socket);
    socket.emit('welcome', {
      user: principal?.subject,
      roles: principal === undefined ? [] : rolesOf(principal),
    });
  }

  @SubscribeMessage('whoami')
  whoami(@WsPrincipal() principal: Principal, @ConnectedSocket() socket: Socket) {
    const data = socket.data as { principal: Principal };
    return { ok: true, user: principal.subject, roles: rolesOf(principal), data: data.principal.subject };
  }

  @SubscribeMessage('join')
  async join(@MessageBody() body: RoomBody, @ConnectedSocket() socket: Socket) {
    await socket.join(body.room);
    return { ok: true, room: body.room, dto: body instanceof RoomBody };
  }

  @SubscribeMessage('chat')
  chat(@MessageBody() body: ChatBody, @ConnectedSocket() socket: Socket) {
    if (!socket.rooms.has(body.room)) throw new WsGateMessageException('NOT_IN_ROOM', 'join the room first');
    this.server.to(body.room).emit('chat', { room: body.room, text: body.text });
    return { ok: true };
  }

  @Roles('admin')
  @SubscribeMessage('announce')
  announce(@MessageBody() body: TextBody, @WsPrincipal('subject') from: string) {
    this.server.emit('announce', { from, text: body.text });
    return { ok: true };
  }

  @RequireClaims({ tenant: 'acme' })
  @SubscribeMessage('tenant')
  tenant() {
    return { ok: true };
  }

  @SubscribeMessage('ping')
  ping(): WsResponse<string> {
    return { event: 'pong', data: 'ok' };
  }

  @SubscribeMessage('boom')
  boom(@MessageBody() body: TextBody): never {
    throw new Error(`database exploded near ${body.text}`);
  }

  @SubscribeMessage('refuse')
  refuse(): never {
    throw new WsGateMessageException('NOT_IN_ROOM', 'join the room first');
  }
}

/** A second namespace on the same server, without the filter: Nest's default filter path. */
@WebSocketGateway({ namespace: 'admin' })
export class IoAdminGateway {
  @SubscribeMessage('boom')
  boom(@MessageBody() body: TextBody): never {
    throw new Error(`secret internals near ${body.text}`);
  }

  @UseGuards(DenyAllGuard)
  @SubscribeMessage('denied')
  denied() {
    return { ok: true };
  }

  @UseGuards(WsAuthGuard)
  @Roles('admin')
  @SubscribeMessage('stats')
  stats(@WsPrincipal('subject') user: string) {
    return { ok: true, user, namespace: 'admin' };
  }

  @SubscribeMessage('refuse')
  refuse(): never {
    throw new WsGateMessageException('NOT_IN_ROOM', 'join the room first');
  }

  /** The same event name as the main namespace's, with another body. */
  @SubscribeMessage('join')
  join(@MessageBody() body: TextBody) {
    return { ok: true, text: body.text };
  }

  @WsRawMessage()
  @SubscribeMessage('echo')
  echo(@MessageBody() message: unknown) {
    return { ok: true, echoed: message };
  }
}

export interface IoAppOptions extends Omit<CreateAppOptions, 'webSocketAdapter' | 'adapter'> {
  readonly ioAdapter?: WsGateIoAdapterOptions;
}

/** A Nest app on 127.0.0.1 with WsGateIoAdapter, both gateways and the Socket.IO test options. */
export function createIoApp(options: IoAppOptions = {}): Promise<TestApp> {
  return createApp({
    module: [WsGateModule.forRoot(IO_OPTIONS)],
    gateways: [IoChatGateway, IoAdminGateway],
    ...options,
    webSocketAdapter: (app) => new WsGateIoAdapter(app, options.ioAdapter),
  });
}

/** The app as packages/socket.io's client helpers address a server. */
export function ioTarget(t: TestApp): { port: number; origin: string } {
  return { port: t.port, origin: `http://127.0.0.1:${t.port}` };
}

/**
 * A connected socket.io-client socket with a fresh ticket unless given one (and its `welcome` on
 * the main namespace); disconnected when the test finishes.
 */
export async function ioConnect(
  t: TestApp,
  subject = 'alice',
  options: ClientOptions & { claims?: Record<string, unknown>; sessionId?: string } = {},
): Promise<{ socket: ReturnType<typeof clientSocket>; welcome: unknown }> {
  const { claims, sessionId, ...client } = options;
  const ticket = client.ticket ?? (await t.ticket(subject, { claims, sessionId }));
  const socket = clientSocket(ioTarget(t), { ...client, ticket });
  const welcome = client.namespace === undefined ? nextEvent(socket, 'welcome') : Promise.resolve(undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, welcome: await welcome };
}

export type { Platform, TestApp };
