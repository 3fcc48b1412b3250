import { Inject, UseFilters, UseGuards } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Principal, SendableSocket } from '@wsgate/core';
import {
  Roles,
  rolesOf,
  WsAuthGuard,
  WsGateExceptionFilter,
  WsGateMessageException,
  WsGateService,
  WsPrincipal,
} from '@wsgate/nestjs';
import { announceFrame, ChatRooms, type DemoConfig, welcomeFrame, whoamiFrame } from 'demo-kit';
import { APP_CONFIG } from './demo-backend.module.js';
import { AnnounceMessage, ChatMessage, JoinMessage } from './messages.dto.js';

/** A `ws` socket as the gateway sees it (what the core supervisor needs to send safely). */
type ChatSocket = SendableSocket;

/**
 * The demo protocol. Identity comes only from the ticket (WsPrincipal); every message is
 * validated against its DTO by WsGateAdapter before the guard runs; refusals are error frames
 * sent by WsGateExceptionFilter; the rooms are the demo kit's.
 */
@UseFilters(WsGateExceptionFilter)
@UseGuards(WsAuthGuard)
@WebSocketGateway({ path: '/ws' })
export class ChatGateway implements OnGatewayConnection<ChatSocket>, OnGatewayDisconnect<ChatSocket> {
  private readonly sockets = new Set<ChatSocket>();
  private readonly rooms: ChatRooms<ChatSocket>;

  constructor(
    private readonly wsGate: WsGateService,
    @Inject(APP_CONFIG) config: DemoConfig,
  ) {
    this.rooms = new ChatRooms(config.maxRoomsPerSocket);
  }

  handleConnection(socket: ChatSocket): void {
    const principal = this.wsGate.principalOf(socket);
    if (principal === undefined) {
      socket.close(4401, 'unauthenticated');
      return;
    }
    this.sockets.add(socket);
    this.wsGate.send(socket, welcomeFrame(principal.subject, rolesOf(principal)));
  }

  handleDisconnect(socket: ChatSocket): void {
    this.sockets.delete(socket);
    this.rooms.leaveAll(socket);
  }

  @SubscribeMessage('join')
  join(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() message: JoinMessage,
  ): { type: 'joined'; room: string } {
    if (!this.sockets.has(socket)) throw new WsGateMessageException('UNAUTHENTICATED', 'not authenticated');
    const joined = this.rooms.join(socket, message.room);
    if (!joined.ok) throw new WsGateMessageException(joined.code, joined.message);
    return joined.reply;
  }

  @SubscribeMessage('chat')
  chat(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() message: ChatMessage,
    @WsPrincipal() principal: Principal,
  ): void {
    const chat = this.rooms.chat(socket, principal.subject, message.room, message.text);
    if (!chat.ok) throw new WsGateMessageException(chat.code, chat.message);
    // Through the supervisor: a member too far behind is closed (1008) instead of buffered.
    for (const member of chat.recipients) this.wsGate.send(member, chat.frame);
  }

  @SubscribeMessage('whoami')
  whoami(@WsPrincipal() principal: Principal): { type: 'whoami'; user: string; roles: string[] } {
    return whoamiFrame(principal.subject, rolesOf(principal));
  }

  @Roles('admin')
  @SubscribeMessage('announce')
  announce(@MessageBody() message: AnnounceMessage, @WsPrincipal() principal: Principal): void {
    const frame = announceFrame(principal.subject, message.text);
    for (const socket of this.sockets) this.wsGate.send(socket, frame);
  }
}
