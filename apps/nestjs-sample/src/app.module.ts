import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { WsGateModule } from '@wsgate/nestjs';
import { type DemoBackend, type DemoConfig, demoGateOptions, SESSION_COOKIE } from 'demo-kit';
import type { Request } from 'express';
import { AuthController } from './auth.controller.js';
import { ChatGateway } from './chat.gateway.js';
import { DEMO_BACKEND, DemoBackendLifecycle, DemoBackendModule } from './demo-backend.module.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { HttpExceptionFilter } from './http-exception.filter.js';
import { loginThrottlers } from './login-throttler.guard.js';
import { PageController } from './page.controller.js';

/** Tickets per session and minute on POST /ws-ticket (the protocol's). */
const TICKETS_PER_MINUTE = 30;

@Module({})
export class AppModule {
  static register(config: DemoConfig): DynamicModule {
    // One module object, imported twice: one backend (sessions, Redis connections).
    const backendModule = DemoBackendModule.register(config);
    return {
      module: AppModule,
      imports: [
        backendModule,
        // The login limits; the ticket route shares this storage (global ThrottlerStorage).
        ThrottlerModule.forRoot({
          throttlers: loginThrottlers(config.loginLimits, config.trustProxy),
          setHeaders: false,
        }),
        WsGateModule.forRootAsync({
          imports: [backendModule],
          inject: [DEMO_BACKEND],
          useFactory: (backend: DemoBackend) => ({
            // Tickets, sessions, caps and metrics as both samples have them (demo kit); app.close() drains.
            ...demoGateOptions(config, backend),
            // The demo protocol's { type, ... } messages (Nest's default is { event, data }).
            envelope: 'type',
            ticketRoute: {
              authenticate: (request: Request) =>
                backend.auth.ticketSubject(
                  (request.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE],
                ),
              perSession: { max: TICKETS_PER_MINUTE, windowMs: 60_000 },
              perAddress: { max: config.ticketLimitPerAddress, windowMs: 60_000 },
            },
          }),
          ticketRoute: { path: '/ws-ticket' },
        }),
      ],
      controllers: [AuthController, HealthController, MetricsController, PageController],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }, DemoBackendLifecycle, ChatGateway],
    };
  }
}
