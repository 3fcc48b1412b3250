// Instances of an app for revocation tests: a bus over a client variant, a real core
// ConnectionRegistry, and fake connections that record how they were closed.
import { CloseCode, createConnectionRegistry, type ConnectionRegistry } from '@wsgate/core';
import { vi, type Mock } from 'vitest';
import {
  RedisRevocationBus,
  type RedisCommand,
  type RedisRevocationBusOptions,
  type RedisSubscriber,
} from '../../src/index.js';

/** A socket as the registry sees it: `close` is recorded. */
export interface FakeConnection {
  close: Mock<(code?: number, reason?: string) => void>;
}

/** A logger whose calls are recorded. */
export interface RecordingLogger {
  info: Mock<(message: string) => void>;
  warn: Mock<(message: string) => void>;
  error: Mock<(message: string) => void>;
}

/** One app instance: its bus, registry and logger. */
export interface Instance {
  bus: RedisRevocationBus;
  registry: ConnectionRegistry<FakeConnection>;
  publish: RedisCommand;
  logger: RecordingLogger;
  /** Registers a new open connection of `subject` (from `sessionId`). */
  connect(subject: string, sessionId?: string): FakeConnection;
  /** How many times this instance logged exactly `message` at `level`. */
  logged(level: keyof RecordingLogger, message: string | RegExp): number;
}

const buses: RedisRevocationBus[] = [];

/** Builds an instance; its bus is closed by {@link closeAllBuses}. */
export function makeInstance(
  publish: RedisCommand,
  subscriber: RedisSubscriber,
  options: Partial<RedisRevocationBusOptions> = {},
): Instance {
  const registry = createConnectionRegistry<FakeConnection>();
  const logger: RecordingLogger = {
    info: vi.fn<(message: string) => void>(),
    warn: vi.fn<(message: string) => void>(),
    error: vi.fn<(message: string) => void>(),
  };
  const bus = new RedisRevocationBus({ publish, subscriber, registry, logger, ...options });
  buses.push(bus);
  return {
    bus,
    registry,
    publish,
    logger,
    connect(subject, sessionId) {
      const connection: FakeConnection = { close: vi.fn<(code?: number, reason?: string) => void>() };
      registry.add({ subject, sessionId }, connection);
      return connection;
    },
    logged(level, message) {
      return logger[level].mock.calls.filter(([text]) =>
        typeof message === 'string' ? text === message : message.test(text),
      ).length;
    },
  };
}

/** Closes every bus made by {@link makeInstance}. */
export async function closeAllBuses(): Promise<void> {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
}

/** Whether `connection` was closed with 4401 (and `reason`, when given). */
export const closedWith = (connection: FakeConnection, reason?: string) => (): boolean =>
  connection.close.mock.calls.some(
    ([code, why]) => code === CloseCode.Unauthorized && (reason === undefined || why === reason),
  );

/** Matches the log line of a finished replay that applied `count` revocations. */
export const caughtUp = (count: number): string =>
  `revocation bus caught up: replayed ${count} revocation(s) missed while disconnected`;
