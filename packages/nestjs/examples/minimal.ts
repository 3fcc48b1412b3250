import 'reflect-metadata';
import { Module, UseFilters, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type WsResponse,
} from '@nestjs/websockets';
import {
  getWsPrincipal,
  Roles,
  WsAuthGuard,
  WsGateAdapter,
  WsGateExceptionFilter,
  WsGateModule,
  WsPrincipal,
} from '@wsgate/nestjs';
import { IsString, Length } from 'class-validator';
import type { Request } from 'express';
import type { WebSocket } from 'ws';
import { sessionUser } from './auth.js'; // your own session lookup

class EchoDto {
  @IsString()
  @Length(1, 500)
  text!: string;
}

@UseFilters(WsGateExceptionFilter) // errors become { event: 'exception', data: { code, message } }
@UseGuards(WsAuthGuard) // @Roles / @RequireClaims per message
@WebSocketGateway({ path: '/ws' })
class ChatGateway implements OnGatewayConnection {
  // Runs only for sockets whose ticket was accepted before the upgrade.
  handleConnection(client: WebSocket): void {
    client.send(JSON.stringify({ event: 'welcome', data: { user: getWsPrincipal(client)?.subject } }));
  }

  @SubscribeMessage('ping') // { "event": "ping" }: no body allowed
  ping(): WsResponse<string> {
    return { event: 'pong', data: 'ok' };
  }

  @SubscribeMessage('echo') // { "event": "echo", "data": { "text": "hi" } }: validated before guards and pipes
  echo(@MessageBody() body: EchoDto, @WsPrincipal('subject') user: string): WsResponse<object> {
    return { event: 'echo', data: { from: user, text: body.text } };
  }

  @Roles('admin')
  @SubscribeMessage('announce')
  announce(@MessageBody() body: EchoDto): WsResponse<string> {
    return { event: 'announce', data: body.text };
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
app.useWebSocketAdapter(new WsGateAdapter(app)); // checks every upgrade before it happens
await app.listen(3000);
