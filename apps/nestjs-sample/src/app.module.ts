import { type DynamicModule, Module } from '@nestjs/common';
import { WsGateModule } from '@wsgate/nestjs';
import type { Request } from 'express';
import { AuthController } from './auth.controller.js';
import { ChatGateway } from './chat.gateway.js';
import { APP_CONFIG, type AppConfig } from './config.js';
import { HealthController } from './health.controller.js';
import { PageController } from './page.controller.js';
import { SessionRevocation } from './session-revocation.js';
import { SessionStore, SessionsModule } from './sessions.js';

/** Tickets per session and minute on POST /ws-ticket. */
const TICKETS_PER_MINUTE = 30;

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SessionsModule,
        WsGateModule.forRootAsync({
          imports: [SessionsModule],
          inject: [SessionStore],
          useFactory: (sessions: SessionStore) => ({
            origins: { allow: [...config.allowedOrigins] },
            tickets: { ttlMs: config.ticketTtlMs },
            transport: { trustProxy: config.trustProxy, requireSecure: config.requireSecure },
            refusal: config.refusal,
            // A ticket fetched before logout must not open a socket after it.
            isSessionActive: (principal) => sessions.isActive(principal.sessionId),
            ticketRoute: {
              authenticate: (request: Request) => sessions.ticketSubject(request),
              throttle: { limit: TICKETS_PER_MINUTE, ttl: 60_000 },
            },
          }),
          ticketRoute: { path: '/ws-ticket' },
        }),
      ],
      controllers: [AuthController, HealthController, PageController],
      providers: [{ provide: APP_CONFIG, useValue: config }, SessionRevocation, ChatGateway],
    };
  }
}
