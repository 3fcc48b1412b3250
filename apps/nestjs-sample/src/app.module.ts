import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { WsGateModule } from '@wsgate/nestjs';
import type { Request } from 'express';
import { AuthController } from './auth.controller.js';
import { ChatGateway } from './chat.gateway.js';
import { APP_CONFIG, type AppConfig } from './config.js';
import { HealthController } from './health.controller.js';
import { PageController } from './page.controller.js';
import { REDIS_BACKEND, type RedisBackend } from './redis-backend.js';
import { ServiceUnavailableFilter } from './service-unavailable.filter.js';
import { SessionRevocation } from './session-revocation.js';
import { SessionStore } from './sessions.js';
import { SessionsModule } from './sessions.module.js';

/** Tickets per session and minute on POST /ws-ticket. */
const TICKETS_PER_MINUTE = 30;

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    // One module object, imported twice: one session store and one Redis backend.
    const sessionsModule = SessionsModule.register(config);
    return {
      module: AppModule,
      imports: [
        sessionsModule,
        WsGateModule.forRootAsync({
          imports: [sessionsModule],
          inject: [SessionStore, REDIS_BACKEND],
          useFactory: (sessions: SessionStore, redis: RedisBackend | null) => ({
            origins: { allow: [...config.allowedOrigins] },
            // With REDIS_URL, any instance redeems (once) a ticket another one issued.
            tickets: {
              ttlMs: config.ticketTtlMs,
              ...(redis === null ? {} : { store: redis.ticketStore }),
            },
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
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ServiceUnavailableFilter },
        SessionRevocation,
        ChatGateway,
      ],
    };
  }
}
