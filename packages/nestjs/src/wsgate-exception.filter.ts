import { Catch, Logger, type ArgumentsHost, type WsExceptionFilter } from '@nestjs/common';
import { eventEnvelope, sendSocketError, type MessageError, type SocketAcknowledgement } from '@wsgate/core';
import { errorForException, type ExceptionError } from './exception-errors.js';

/**
 * Sends every exception of a gateway handler, guard or pipe to the client as an error in the
 * socket's envelope (Nest's default filter only emits a local `exception` event on a raw `ws`
 * socket, so the client never hears of it, nestjs/nest#9056). The socket stays open. On a
 * Socket.IO socket (`WsGateIoAdapter`), the error goes to the event's acknowledgement when the
 * client sent one (`{ ok: false, error: { code, message, issues? } }`), else as an `exception`
 * event (`{ code, message, issues? }`).
 *
 * - `WsGateMessageException` (and a `WsException` carrying a `{code, message}` object) → that error;
 * - a guard that returned `false` (or threw `ForbiddenException`) → `FORBIDDEN`;
 * - `HttpException` → a code for its status (400 → `VALIDATION_FAILED`, 401, 403, 429, ...);
 * - anything else → `INTERNAL_ERROR` with the text `internal error`, logged on the server; the
 *   client never sees a stack trace or its own input echoed.
 *
 * Global filters do not apply to gateways in Nest, so bind it with `@UseFilters`. Without it,
 * `WsGateAdapter` still turns Nest's `exception` event into an error, with a coarser mapping.
 * Subclass and override the `protected` hooks to change the mapping, logging or sending.
 *
 * @example
 * @UseFilters(WsGateExceptionFilter)
 * @WebSocketGateway({ path: '/ws' })
 * export class ChatGateway {}
 */
@Catch()
export class WsGateExceptionFilter implements WsExceptionFilter {
  /** Logger of unexpected errors. */
  protected readonly logger = new Logger('WsGateExceptionFilter');

  /** Maps `exception` to an error, logs it if unexpected, and sends it. */
  catch(exception: unknown, host: ArgumentsHost): void {
    const client = host.switchToWs().getClient<unknown>();
    // Nest calls a Socket.IO handler with (client, data, ack): the acknowledgement, if any.
    const ack: unknown = host.getArgByIndex(2);
    const { error, expected } = this.toError(exception);
    if (!expected) this.logUnexpected(exception);
    this.send(client, error, typeof ack === 'function' ? (ack as SocketAcknowledgement) : undefined);
  }

  /** The error for `exception`, and whether it is an expected refusal (not logged). */
  protected toError(exception: unknown): ExceptionError {
    return errorForException(exception);
  }

  /** Logs an unexpected error (message and stack; never sent to the client). */
  protected logUnexpected(exception: unknown): void {
    if (exception instanceof Error)
      this.logger.error(`${exception.name}: ${exception.message}`, exception.stack);
    else this.logger.error(`non-Error value thrown (${typeof exception})`);
  }

  /**
   * Sends `error` on `client` if it is still open: in its envelope (`ws`; Nest's event envelope
   * for a socket @wsgate did not accept), or to `ack`, else as an `exception` event (Socket.IO).
   */
  protected send(client: unknown, error: MessageError, ack?: (...args: unknown[]) => void): void {
    sendSocketError(client, error, { ack, codec: eventEnvelope });
  }
}
