import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClosableConnection, Principal, SendableSocket, TicketClaims } from '@wsgate/core';
import { getWsPrincipal } from './socket-state.js';
import { WSGATE_CONFIG, type WsGate } from './tokens.js';
import type { WsGateModuleConfig } from './wsgate-options.js';

/**
 * The gate at run time: revocation of open sockets (logout, account changes), principals of
 * sockets, sending with the slow-reader cap, the compiled core gate. Injectable anywhere once
 * `WsGateModule` is imported.
 *
 * @example
 * @Post('logout')
 * logout(@Req() req: Request) { this.wsGate.revokeSession(sessionIdOf(req)); }
 */
@Injectable()
export class WsGateService implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(@Inject(WSGATE_CONFIG) private readonly config: WsGateModuleConfig) {}

  /** The compiled core gate (ticket service, policies, authorizer, registry, supervisor). */
  get gate(): WsGate {
    return this.config.gate;
  }

  /**
   * Closes every socket opened from `sessionId` with 4401 (this process's sockets; the reason is
   * cut to 123 bytes). Returns how many. Outstanding tickets of the session are refused at the
   * upgrade when the `isSessionActive` option says the session ended: set it if you have sessions.
   */
  revokeSession(sessionId: string, reason?: string): number {
    return this.config.gate.registry.revokeSession(sessionId, reason);
  }

  /** Closes every socket of `subject` with 4401 (this process's sockets). Returns how many. */
  revokeSubject(subject: string, reason?: string): number {
    return this.config.gate.registry.revokeSubject(subject, reason);
  }

  /** The principal of a socket accepted by `WsGateAdapter`, else `undefined`. */
  principalOf<TClaims extends TicketClaims = TicketClaims>(client: unknown): Principal<TClaims> | undefined {
    return getWsPrincipal<TClaims>(client);
  }

  /**
   * Sends `frame` as JSON unless the socket is not open or its reader is too far behind (then
   * the socket is closed with 1008, `supervision.maxBufferedBytes`). Use it for broadcasts.
   * Returns whether the frame was sent.
   */
  send(client: SendableSocket, frame: object | string): boolean {
    return this.config.gate.supervisor.send(client, frame);
  }

  /** Open sockets of `subject`. */
  connectionsOf(subject: string): readonly ClosableConnection[] {
    return this.config.gate.registry.connectionsOf(subject);
  }

  /** Number of open authenticated sockets. */
  get connectionCount(): number {
    return this.config.gate.registry.size;
  }

  /**
   * Drains the gate when the application shuts down (`app.close()`, or a signal with
   * `enableShutdownHooks()`), before Nest closes its WebSocket servers: new upgrades are refused
   * with 503, open sockets are closed with 1012 (service restart) after `drain.delayMs`, and the
   * drain is over within `drain.delayMs + drain.timeoutMs`.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.config.gate.drain();
  }

  /** Closes the ticket store when the application shuts down. */
  async onApplicationShutdown(): Promise<void> {
    await this.config.gate.tickets.close();
  }
}
