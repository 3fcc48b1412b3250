import { Inject, UseFilters, UseGuards } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Principal } from '@wsgate/core';
import {
  Roles,
  rolesOf,
  WsAuthGuard,
  WsGateExceptionFilter,
  WsGateMessageException,
  WsGateService,
  WsPrincipal,
} from '@wsgate/nestjs';
import type { IoServer, IoSocket } from '@wsgate/nestjs/socket.io';
import { announceFrame, ChatRooms, type DemoConfig, eventData, welcomeFrame, whoamiFrame } from 'demo-kit';
import { APP_CONFIG } from 'nestjs-sample/demo-app';
import { AnnouncePayload, ChatPayload, JoinPayload } from './messages.dto.js';

/**
 * The demo protocol on Socket.IO (docs/demo-protocol.md, "Socket.IO mapping"), in the main
 * namespace at /socket.io/. Identity comes only from the ticket (WsPrincipal); every payload is
 * validated against its DTO by WsGateIoAdapter before the guard runs; refusals go to the
 * acknowledgement (or as `exception`) through WsGateExceptionFilter. Room membership and its cap
 * are the demo kit's; delivery goes through Socket.IO's rooms, so that with REDIS_URL the Redis
 * adapter carries chats and announcements to every instance.
 */
@UseFilters(WsGateExceptionFilter)
@UseGuards(WsAuthGuard)
// Socket.IO's own copy of its browser client is not served: the demo page vends its own.
@WebSocketGateway({ serveClient: false })
export class ChatGateway implements OnGatewayConnection<IoSocket>, OnGatewayDisconnect<IoSocket> {
  @WebSocketServer()
  private readonly server!: IoServer;
  private readonly rooms: ChatRooms<IoSocket>;

  constructor(
    private readonly wsGate: WsGateService,
    @Inject(APP_CONFIG) config: DemoConfig,
  ) {
    this.rooms = new ChatRooms(config.maxRoomsPerSocket);
  }

  handleConnection(socket: IoSocket): void {
    const principal = this.wsGate.principalOf(socket);
    if (principal === undefined) {
      socket.disconnect(true);
      return;
    }
    socket.emit('welcome', eventData(welcomeFrame(principal.subject, rolesOf(principal))));
  }

  handleDisconnect(socket: IoSocket): void {
    this.rooms.leaveAll(socket);
  }

  @SubscribeMessage('join')
  async join(
    @ConnectedSocket() socket: IoSocket,
    @MessageBody() payload: JoinPayload,
  ): Promise<{ ok: true; room: string }> {
    const joined = this.rooms.join(socket, payload.room);
    if (!joined.ok) throw new WsGateMessageException(joined.code, joined.message);
    await socket.join(payload.room);
    return { ok: true, ...eventData(joined.reply) };
  }

  @SubscribeMessage('chat')
  chat(
    @ConnectedSocket() socket: IoSocket,
    @MessageBody() payload: ChatPayload,
    @WsPrincipal() principal: Principal,
  ): { ok: true } {
    const chat = this.rooms.chat(socket, principal.subject, payload.room, payload.text);
    if (!chat.ok) throw new WsGateMessageException(chat.code, chat.message);
    this.server.to(payload.room).emit('chat', eventData(chat.frame));
    return { ok: true };
  }

  @SubscribeMessage('whoami')
  whoami(@WsPrincipal() principal: Principal): { ok: true; user: string; roles: string[] } {
    return { ok: true, ...eventData(whoamiFrame(principal.subject, rolesOf(principal))) };
  }

  @Roles('admin')
  @SubscribeMessage('announce')
  announce(@MessageBody() payload: AnnouncePayload, @WsPrincipal() principal: Principal): { ok: true } {
    this.server.emit('announce', eventData(announceFrame(principal.subject, payload.text)));
    return { ok: true };
  }
}
