import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { WsGateService } from '@wsgate/nestjs';
import { createDemoBackend, type DemoBackend, type DemoConfig, type DemoLogger } from 'demo-kit';

/** Injection token of the {@link DemoConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
/** Injection token of the {@link DemoBackend}: sessions, revocation and authentication. */
export const DEMO_BACKEND = Symbol('DEMO_BACKEND');

/** The kit's logger on Nest's (JSON) logger. */
function demoLogger(): DemoLogger {
  const logger = new Logger('Demo');
  return {
    info: (event, message, fields) => logger.log({ ...fields, event, message }),
    warn: (event, message, fields) => logger.warn({ ...fields, event, message }),
    error: (event, message, fields) => logger.error({ ...fields, event, message }),
  };
}

/** Starts session revocation on the gate's registry once the app runs; closes the backend on shutdown. */
@Injectable()
export class DemoBackendLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(DEMO_BACKEND) private readonly backend: DemoBackend,
    private readonly wsGate: WsGateService,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.backend.revocation.start(this.wsGate.gate.registry);
  }

  onApplicationShutdown(): Promise<void> {
    return this.backend.close();
  }
}

/**
 * The config (`APP_CONFIG`) and the demo kit's backend (`DEMO_BACKEND`): with REDIS_URL,
 * tickets, sessions and revocations in Redis, shared by every instance; else in this process.
 * Register it once and import that same module object wherever it is needed.
 */
@Module({})
export class DemoBackendModule {
  static register(config: DemoConfig): DynamicModule {
    return {
      module: DemoBackendModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: DEMO_BACKEND, useFactory: () => createDemoBackend(config, demoLogger()) },
      ],
      exports: [APP_CONFIG, DEMO_BACKEND],
    };
  }
}
