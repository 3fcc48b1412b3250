import { Catch, Logger, type ArgumentsHost, type WsExceptionFilter } from '@nestjs/common';
import type { ErrorFrame } from '@wsgate/core';
import { frameForException, type ExceptionFrame } from './error-frames.js';
import { sendJson } from './socket-send.js';

/**
 * Sends every exception of a gateway handler, guard or pipe to the client as an error frame
 * on the raw `ws` socket (Nest's default filter only emits a local `exception` event there, so
 * the client never hears of it, nestjs/nest#9056). The socket stays open.
 *
 * - `WsGateMessageException` (and a `WsException` carrying a `{code, message}` object) → that frame;
 * - a guard that returned `false` (or threw `ForbiddenException`) → `FORBIDDEN`;
 * - `HttpException` → a code for its status (400 → `VALIDATION_FAILED`, 401, 403, 429, ...);
 * - anything else → `{"type":"error","code":"INTERNAL_ERROR","message":"internal error"}`,
 *   logged on the server; the client never sees a stack trace or its own input echoed.
 *
 * Global filters do not apply to gateways in Nest, so bind it with `@UseFilters`. Without it,
 * `WsGateAdapter` still turns Nest's `exception` event into a frame, with a coarser mapping.
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

  /** Maps `exception` to a frame, logs it if unexpected, and sends the frame. */
  catch(exception: unknown, host: ArgumentsHost): void {
    const client = host.switchToWs().getClient<unknown>();
    const { frame, expected } = this.toFrame(exception);
    if (!expected) this.logUnexpected(exception);
    this.send(client, frame);
  }

  /** The frame for `exception`, and whether it is an expected refusal (not logged). */
  protected toFrame(exception: unknown): ExceptionFrame {
    return frameForException(exception);
  }

  /** Logs an unexpected error (message and stack; never sent to the client). */
  protected logUnexpected(exception: unknown): void {
    if (exception instanceof Error)
      this.logger.error(`${exception.name}: ${exception.message}`, exception.stack);
    else this.logger.error(`non-Error value thrown (${typeof exception})`);
  }

  /** Sends `frame` on `client` if it is still open. */
  protected send(client: unknown, frame: ErrorFrame): void {
    sendJson(client, frame);
  }
}
