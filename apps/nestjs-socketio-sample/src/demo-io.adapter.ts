import type { INestApplication } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { WsGateIoAdapter, type IoServer } from '@wsgate/nestjs/socket.io';
import type { DemoRedis } from 'demo-kit';

/**
 * WsGateIoAdapter plus, with REDIS_URL, `@socket.io/redis-adapter` on the server it secured: rooms
 * and broadcasts (chat, announce) reach the sockets of every instance. (Logouts reach them
 * through the demo kit's revocation bus, on the gate's registry.)
 */
export class DemoIoAdapter extends WsGateIoAdapter {
  constructor(
    app: INestApplication,
    private readonly redis: DemoRedis | undefined,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: unknown): IoServer {
    const server = super.createIOServer(port, options);
    if (this.redis !== undefined)
      server.adapter(
        createAdapter(
          this.redis.connection('socket.io adapter publisher'),
          this.redis.connection('socket.io adapter subscriber'),
        ),
      );
    return server;
  }
}
