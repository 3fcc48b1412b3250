import { readDemoConfig } from 'demo-kit';
import type { FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';

const config = readDemoConfig(process.env, { defaultPort: 3000 });
const app = await buildApp(config, {
  // Fastify's types model `https` on a separate overload; at run time it is a plain option.
  fastify: (config.tls === undefined ? {} : { https: config.tls }) as FastifyServerOptions,
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}

await app.listen({ port: config.port, host: config.host });
