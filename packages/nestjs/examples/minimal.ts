import 'reflect-metadata';
import { Module, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import {
  getWsPrincipal,
  Roles,
  WsAuthGuard,
  WsGateAdapter,
  WsGateExceptionFilter,
  WsGateModule,
  WsMessageDto,
  WsPrincipal,
  WsValidationPipe,
} from '@wsgate/nestjs';
import { IsString, Length } from 'class-validator';
import type { Request } from 'express';
import type { WebSocket } from 'ws';
import { sessionUser } from './auth.js'; // your own session lookup

class EchoDto extends WsMessageDto {
  @IsString()
  @Length(1, 500)
  text!: string;
}

@UseFilters(WsGateExceptionFilter) // errors become {"type":"error",...} frames
@UseGuards(WsAuthGuard) // @Roles / @RequireClaims per message
@UsePipes(new WsValidationPipe()) // DTOs, unknown properties refused
@WebSocketGateway({ path: '/ws' })
class ChatGateway implements OnGatewayConnection {
  // Runs only for sockets whose ticket was accepted before the upgrade.
  handleConnection(client: WebSocket): void {
    client.send(JSON.stringify({ type: 'welcome', user: getWsPrincipal(client)?.subject }));
  }

  @SubscribeMessage('ping')
  ping() {
    return { type: 'pong' };
  }

  @SubscribeMessage('echo')
  echo(@MessageBody() message: EchoDto, @WsPrincipal('subject') user: string) {
    return { type: 'echo', from: user, text: message.text };
  }

  @Roles('admin')
  @SubscribeMessage('announce')
  announce(@MessageBody() message: EchoDto) {
    return { type: 'announce', text: message.text };
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
