// The NestJS demo app, whatever serves its WebSockets: the HTTP side (login, logout, tickets,
// health, the page), the backend and the start-up. main.ts wires it to `ws` (WsGateAdapter and
// the `ws` chat gateway); apps/nestjs-socketio-sample wires the same app to Socket.IO.
import { ConsoleLogger, type INestApplication, type Type, type WebSocketAdapter } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { type DemoConfig, readDemoConfig } from 'demo-kit';
import type { DemoTransport } from 'demo-web';
import { AppModule } from './app.module.js';

export { APP_CONFIG, DEMO_BACKEND } from './demo-backend.module.js';

/** What differs between the Nest samples: how WebSockets are served. */
export interface DemoWiring {
  /** The gateway of the demo protocol's messages. */
  readonly gateway: Type<unknown>;
  /** The application's WebSocket adapter (a @wsgate one). */
  readonly webSocketAdapter: (app: INestApplication) => WebSocketAdapter;
  /** The demo page's transport (its /chat-transport.js). */
  readonly page: DemoTransport;
}

// One JSON object per line on stdout (errors on stderr); no request logging, so no ticket,
// session cookie or password ever reaches a log line (nor REDIS_URL, which may hold a password).
const logger = new ConsoleLogger({ json: true, colors: false });

async function startDemoApp(config: DemoConfig, wiring: DemoWiring): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, wiring), {
    logger,
    abortOnError: false,
    forceCloseConnections: true,
    // JSON bodies only (no urlencoded parser: a cross-site form cannot log anyone in).
    bodyParser: false,
    ...(config.tls === undefined ? {} : { httpsOptions: { cert: config.tls.cert, key: config.tls.key } }),
  });
  app.useBodyParser('json');
  app.disable('x-powered-by');
  // req.ip and req.protocol through the same trusted proxies as the gate (the login limit keys on
  // the gate's own resolution of the address: login-throttler.guard.ts).
  app.set('trust proxy', typeof config.trustProxy === 'object' ? [...config.trustProxy] : config.trustProxy);
  app.use(cookieParser());
  app.useWebSocketAdapter(wiring.webSocketAdapter(app));
  // A graceful stop that exits 0: app.close() runs the shutdown hooks, where WsGateService
  // drains the gate (503 to new upgrades, 1012 to open sockets, within WS_DRAIN_DELAY_MS +
  // WS_DRAIN_TIMEOUT_MS). (enableShutdownHooks() would re-raise the signal after closing.)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  if (config.redisUrl !== undefined)
    logger.log('tickets, sessions and revocations in Redis (REDIS_URL)', 'Bootstrap');
  // Slow or oversized handshakes cannot hold the server: bounded header count and time
  // (Node's default 16 KiB header size limit applies).
  const server = app.getHttpServer() as import('node:http').Server;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxHeadersCount = 100;
  await app.listen(config.port, config.host);
  const scheme = config.tls === undefined ? 'http' : 'https';
  logger.log(`listening on ${scheme}://${config.host}:${config.port}`, 'Bootstrap');
}

/**
 * Reads the environment (docs/demo-protocol.md, "Environment") and starts the app wired by
 * `wiring`; a start-up failure is logged (without details that could hold secrets) and exits 1.
 */
export async function runDemoApp(defaultPort: number, wiring: DemoWiring): Promise<void> {
  try {
    await startDemoApp(readDemoConfig(process.env, { defaultPort }), wiring);
  } catch (error) {
    logger.fatal(
      error instanceof Error ? `start-up failed: ${error.name}: ${error.message}` : 'start-up failed',
      'Bootstrap',
    );
    process.exit(1);
  }
}
