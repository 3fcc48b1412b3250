import { UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Principal, SupervisedSocket } from '@wsgate/core';
import {
  Roles,
  rolesOf,
  WsAuthGuard,
  WsGateExceptionFilter,
  WsGateMessageException,
  WsGateService,
  WsPrincipal,
  WsValidationPipe,
} from '@wsgate/nestjs';
import { AnnounceMessage, ChatMessage, JoinMessage, WhoamiMessage } from './messages.dto.js';

/** A `ws` socket as the gateway sees it (what the core supervisor needs to send safely). */
type ChatSocket = SupervisedSocket;

/**
 * The demo protocol. Identity comes only from the ticket (WsPrincipal); every message is a DTO
 * checked by WsValidationPipe; refusals are error frames sent by WsGateExceptionFilter.
 */
@UseFilters(WsGateExceptionFilter)
@UseGuards(WsAuthGuard)
@UsePipes(new WsValidationPipe())
@WebSocketGateway({ path: '/ws' })
export class ChatGateway implements OnGatewayConnection<ChatSocket>, OnGatewayDisconnect<ChatSocket> {
  private readonly sockets = new Set<ChatSocket>();
  private readonly rooms = new Map<string, Set<ChatSocket>>();
  private readonly memberships = new Map<ChatSocket, Set<string>>();

  constructor(private readonly wsGate: WsGateService) {}

  handleConnection(socket: ChatSocket): void {
    const principal = this.wsGate.principalOf(socket);
    if (principal === undefined) {
      socket.close(4401, 'unauthenticated');
      return;
    }
    this.sockets.add(socket);
    this.wsGate.send(socket, { type: 'welcome', user: principal.subject, roles: rolesOf(principal) });
  }

  handleDisconnect(socket: ChatSocket): void {
    this.sockets.delete(socket);
    for (const room of this.memberships.get(socket) ?? []) {
      const members = this.rooms.get(room);
      members?.delete(socket);
      if (members?.size === 0) this.rooms.delete(room);
    }
    this.memberships.delete(socket);
  }

  @SubscribeMessage('join')
  join(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() message: JoinMessage,
  ): { type: 'joined'; room: string } {
    if (!this.sockets.has(socket)) throw new WsGateMessageException('UNAUTHENTICATED', 'not authenticated');
    let members = this.rooms.get(message.room);
    if (members === undefined) {
      members = new Set();
      this.rooms.set(message.room, members);
    }
    members.add(socket);
    let joined = this.memberships.get(socket);
    if (joined === undefined) {
      joined = new Set();
      this.memberships.set(socket, joined);
    }
    joined.add(message.room);
    return { type: 'joined', room: message.room };
  }

  @SubscribeMessage('chat')
  chat(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() message: ChatMessage,
    @WsPrincipal() principal: Principal,
  ): void {
    const members = this.rooms.get(message.room);
    if (members === undefined || !members.has(socket))
      throw new WsGateMessageException('NOT_IN_ROOM', 'join the room first');
    const frame = {
      type: 'chat',
      room: message.room,
      from: principal.subject,
      text: message.text,
      at: Date.now(),
    };
    // Through the supervisor: a member too far behind is closed (1008) instead of buffered.
    for (const member of members) this.wsGate.send(member, frame);
  }

  @SubscribeMessage('whoami')
  whoami(
    @MessageBody() _message: WhoamiMessage,
    @WsPrincipal() principal: Principal,
  ): { type: 'whoami'; user: string; roles: string[] } {
    return { type: 'whoami', user: principal.subject, roles: rolesOf(principal) };
  }

  @Roles('admin')
  @SubscribeMessage('announce')
  announce(@MessageBody() message: AnnounceMessage, @WsPrincipal() principal: Principal): void {
    const frame = { type: 'announce', from: principal.subject, text: message.text };
    for (const socket of this.sockets) this.wsGate.send(socket, frame);
  }
}
