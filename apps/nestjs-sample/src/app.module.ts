import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { WsGateModule } from '@wsgate/nestjs';
import { type DemoBackend, type DemoConfig, demoGateOptions, SESSION_COOKIE } from 'demo-kit';
import type { DemoTransport } from 'demo-web';
import type { Request } from 'express';
import { AuthController } from './auth.controller.js';
import { DEMO_BACKEND, DemoBackendLifecycle, DemoBackendModule } from './demo-backend.module.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { HttpExceptionFilter } from './http-exception.filter.js';
import { loginThrottlers } from './login-throttler.guard.js';
import { PAGE_TRANSPORT, PageController } from './page.controller.js';

/** Tickets per session and minute on POST /ws-ticket (the protocol's). */
const TICKETS_PER_MINUTE = 30;

@Module({})
export class AppModule {
  /**
   * The app with `gateway` serving the demo protocol's messages (the `ws` one, or Socket.IO's),
   * and the demo page on the matching transport.
   */
  static register(
    config: DemoConfig,
    { gateway, page }: { gateway: Type<unknown>; page: DemoTransport },
  ): DynamicModule {
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
            // The `ws` protocol's { type, ... } messages (Nest's default is { event, data });
            // Socket.IO has its own envelope.
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
      providers: [
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: PAGE_TRANSPORT, useValue: page },
        DemoBackendLifecycle,
        gateway,
      ],
    };
  }
}
