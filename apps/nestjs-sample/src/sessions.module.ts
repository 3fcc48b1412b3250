import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from './config.js';
import { REDIS_BACKEND, RedisBackend } from './redis-backend.js';
import { RedisSessionStore } from './redis-sessions.js';
import { MemorySessionStore, SessionStore } from './sessions.js';

/**
 * The session store and, with REDIS_URL, the Redis connections (`REDIS_BACKEND`, else `null`):
 * sessions and tickets in Redis, shared by every instance, or both in this process.
 * Register it once and import that same module object wherever it is needed.
 */
@Module({})
export class SessionsModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: SessionsModule,
      providers: [
        {
          provide: REDIS_BACKEND,
          useFactory: (): RedisBackend | null =>
            config.redisUrl === undefined ? null : new RedisBackend(config.redisUrl),
        },
        {
          provide: SessionStore,
          useFactory: (redis: RedisBackend | null): SessionStore =>
            redis === null ? new MemorySessionStore() : new RedisSessionStore(redis.command),
          inject: [REDIS_BACKEND],
        },
      ],
      exports: [SessionStore, REDIS_BACKEND],
    };
  }
}
