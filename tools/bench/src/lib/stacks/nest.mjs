// NestJS 11 gateway on @nestjs/platform-ws, written in plain JS with Nest's decorators applied
// by hand (no TypeScript, so no emitted `design:paramtypes`: it is defined explicitly).
//
// - mode 'bare':   Nest's `WsAdapter` (a message parser routing on `type`), `ValidationPipe`
//                  (whitelist + forbidNonWhitelisted) on `chat`, no authentication.
// - mode 'wsgate': `WsGateAdapter` from @wsgate/nestjs (ticket + Origin + IP binding before the
//                  upgrade), `WsValidationPipe` + `WsAuthGuard` on `chat`. PENDING until
//                  packages/nestjs/dist exports them (see availability.mjs).
import 'reflect-metadata';
import { Module, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { IsString, Length, Matches } from 'class-validator';
import {
  ANONYMOUS,
  BENCH_CONNECTION_LIMITS,
  BENCH_RATE_LIMIT,
  chatEcho,
  ORIGIN,
  subjectOf,
  WS_PATH,
  welcomeFrame,
} from '../protocol.mjs';

const PARAMTYPES = 'design:paramtypes';

/** Applies method and parameter decorators the way TypeScript's `__decorate`/`__param` would. */
function decorateMethod(target, name, { decorators = [], params = [], paramtypes }) {
  if (paramtypes !== undefined) Reflect.defineMetadata(PARAMTYPES, paramtypes, target.prototype, name);
  const paramDecorators = params.map((decorator, index) => (proto, key) => decorator(proto, key, index));
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, name);
  const decorated = Reflect.decorate([...decorators, ...paramDecorators], target.prototype, name, descriptor);
  Object.defineProperty(target.prototype, name, decorated ?? descriptor);
}

/** The demo protocol's `chat` message as a class-validator DTO (the same rules as the JSON Schema). */
// eslint-disable-next-line @typescript-eslint/no-extraneous-class -- a DTO is a class carrying decorators
export class ChatDto {}
Reflect.decorate([IsString()], ChatDto.prototype, 'type');
Reflect.decorate([Matches(/^[a-z0-9_-]{1,32}$/)], ChatDto.prototype, 'room');
Reflect.decorate([IsString(), Length(1, 2000)], ChatDto.prototype, 'text');

function buildGateway({ userOf, pipe, guards }) {
  class ChatGateway {
    handleConnection(client) {
      const principal = userOf(client);
      client.send(JSON.stringify(welcomeFrame(principal.subject, principal.roles)));
    }

    onChat(client, message) {
      client.send(JSON.stringify(chatEcho(userOf(client).subject, message.room, message.text)));
    }
  }
  decorateMethod(ChatGateway, 'onChat', {
    decorators: [
      SubscribeMessage('chat'),
      UsePipes(pipe),
      ...(guards.length > 0 ? [UseGuards(...guards)] : []),
    ],
    params: [ConnectedSocket(), MessageBody()],
    paramtypes: [Object, ChatDto],
  });
  Reflect.decorate([WebSocketGateway({ path: WS_PATH })], ChatGateway);
  return ChatGateway;
}

const bareUser = Object.freeze({ subject: ANONYMOUS, roles: [] });

async function bareApp() {
  const ChatGateway = buildGateway({
    userOf: () => bareUser,
    pipe: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }),
    guards: [],
  });
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class -- a Nest module is a decorated class
  class AppModule {}
  Reflect.decorate([Module({ providers: [ChatGateway] })], AppModule);
  const app = await NestFactory.create(AppModule, { logger: false });
  app.useWebSocketAdapter(
    new WsAdapter(app, {
      // The demo protocol routes on `type`; the handler gets the whole message.
      messageParser: (data) => {
        const message = JSON.parse(data.toString());
        return { event: message.type, data: message };
      },
    }),
  );
  return { app, issue: undefined, burn: undefined };
}

// PENDING: written against packages/nestjs/src as it stands (WsGateModule.forRoot, WsGateAdapter(app),
// WsValidationPipe, WsAuthGuard, WsGateService.gate, getWsPrincipal); adjust here if the API settles differently.
async function wsgateApp(store) {
  const nest = await import('@wsgate/nestjs');
  const ChatGateway = buildGateway({
    userOf: (client) => {
      const principal = nest.getWsPrincipal(client);
      return { subject: principal.subject, roles: principal.claims.roles };
    },
    pipe: new nest.WsValidationPipe(),
    guards: [nest.WsAuthGuard],
  });
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class -- a Nest module is a decorated class
  class AppModule {}
  Reflect.decorate(
    [
      Module({
        imports: [
          nest.WsGateModule.forRoot({
            // The demo protocol's `{ type, ... }` messages, as the bare stack's parser reads them.
            envelope: 'type',
            origins: { allow: [ORIGIN] },
            tickets: { ...(store === undefined ? {} : { store }), bindIp: true, bindOrigin: true },
            messages: { rateLimit: BENCH_RATE_LIMIT },
            connections: BENCH_CONNECTION_LIMITS,
          }),
        ],
        providers: [ChatGateway],
      }),
    ],
    AppModule,
  );
  const app = await NestFactory.create(AppModule, { logger: false });
  app.useWebSocketAdapter(new nest.WsGateAdapter(app));
  let issued = 0;
  async function issue(n) {
    const { tickets } = app.get(nest.WsGateService).gate;
    const out = new Array(n);
    for (let index = 0; index < n; index += 1) {
      const subject = subjectOf(issued++);
      out[index] = (
        await tickets.issue({
          subject,
          sessionId: `s-${subject}`,
          claims: { roles: ['user'] },
          ip: '127.0.0.1',
          origin: ORIGIN,
        })
      ).ticket;
    }
    return out;
  }
  async function burn(leftover) {
    const { tickets } = app.get(nest.WsGateService).gate;
    for (const ticket of leftover) await tickets.redeem(ticket, { ip: '127.0.0.1', origin: ORIGIN });
    return leftover.length;
  }
  return { app, issue, burn };
}

/** `options.mode`: `'bare'` or `'wsgate'`; `options.store` as in wsgate-fastify. */
export async function start(options = {}) {
  let store;
  if (options.mode === 'wsgate' && options.store === 'redis') {
    const { createTicketStore } = await import('../ticket-stores.mjs');
    store = await createTicketStore('redis', options);
  }
  const { app, issue, burn } = options.mode === 'wsgate' ? await wsgateApp(store) : await bareApp();
  await app.listen(0, '127.0.0.1');
  const httpServer = app.getHttpServer();
  let open = 0;
  httpServer.on('upgrade', (_request, socket) => {
    open += 1;
    socket.once('close', () => (open -= 1));
  });
  return {
    port: httpServer.address().port,
    connections: () => open,
    issue,
    burn,
    close: () => app.close(),
  };
}
