import 'reflect-metadata';
import { Module, UseFilters, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import {
  getWsPrincipal,
  Roles,
  WsAuthGuard,
  WsGateExceptionFilter,
  WsGateModule,
  WsPrincipal,
} from '@wsgate/nestjs';
import { WsGateIoAdapter } from '@wsgate/nestjs/socket.io';
import { IsString, Length, Matches } from 'class-validator';
import type { Request } from 'express';
import type { Socket } from 'socket.io';
import { sessionUser } from './auth.js'; // your own session lookup

class JoinDto {
  @Matches(/^[a-z0-9-]{1,32}$/)
  room!: string;
}

class TextDto {
  @IsString()
  @Length(1, 500)
  text!: string;
}

@UseFilters(WsGateExceptionFilter) // errors: the ack gets { ok: false, error }, else an `exception` event
@UseGuards(WsAuthGuard) // @Roles / @RequireClaims per event
@WebSocketGateway() // a Socket.IO gateway as usual: /socket.io/, main namespace
class ChatGateway implements OnGatewayConnection {
  // Runs only for connections whose ticket was accepted before any Engine.IO session existed.
  handleConnection(socket: Socket): void {
    socket.emit('welcome', { user: getWsPrincipal(socket)?.subject });
  }

  @SubscribeMessage('join') // socket.emit('join', { room: 'lobby' }, ack): validated before guards and pipes
  async join(@MessageBody() body: JoinDto, @ConnectedSocket() socket: Socket) {
    await socket.join(body.room);
    return { ok: true, room: body.room }; // the acknowledgement
  }

  @Roles('admin')
  @SubscribeMessage('announce')
  announce(
    @MessageBody() body: TextDto,
    @ConnectedSocket() socket: Socket,
    @WsPrincipal('subject') from: string,
  ) {
    socket.nsp.emit('announce', { from, text: body.text });
    return { ok: true };
  }
}

@Module({
  imports: [
    WsGateModule.forRoot({
      origins: { allow: ['https://app.example.com'] },
      // POST /ws-ticket: your normal HTTP authentication decides who gets a ticket.
      ticketRoute: {
        authenticate: async (request: Request) => {
          const user = await sessionUser(request);
          return user && { subject: user.id, sessionId: user.sessionId, claims: { roles: user.roles } };
        },
      },
    }),
  ],
  providers: [ChatGateway],
})
class AppModule {}

const app = await NestFactory.create(AppModule);
app.useWebSocketAdapter(new WsGateIoAdapter(app)); // was: new IoAdapter(app)
await app.listen(3000);
