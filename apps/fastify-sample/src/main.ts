import { readDemoConfig } from 'demo-kit';
import type { FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';

const config = readDemoConfig(process.env, { defaultPort: 3000 });
const app = await buildApp(config, {
  // Fastify's types model `https` on a separate overload; at run time it is a plain option.
  fastify: (config.tls === undefined ? {} : { https: config.tls }) as FastifyServerOptions,
});

// A graceful stop: app.close() drains the gate (503 to new upgrades, 1012 to open sockets,
// within WS_DRAIN_DELAY_MS + WS_DRAIN_TIMEOUT_MS), then closes the server and the backend.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

await app.listen({ port: config.port, host: config.host });
