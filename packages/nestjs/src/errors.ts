import { WsException } from '@nestjs/websockets';
import {
  messageError,
  WsGateError,
  type MessageError,
  type MessageErrorCode,
  type ValidationIssue,
} from '@wsgate/core';

/**
 * A refusal of one message that keeps the socket open: thrown from a handler, guard or pipe,
 * it reaches the client as an error in the socket's envelope (`{ event: 'exception', data:
 * { code, message, issues? } }` or `{ type: 'error', code, message, issues? }`), through
 * `WsGateExceptionFilter` or the adapter's fallback. Use it for your own codes.
 *
 * @example
 * if (!rooms.has(message.room)) throw new WsGateMessageException('NOT_IN_ROOM', 'join the room first');
 */
export class WsGateMessageException extends WsException {
  /** The error sent to the client. */
  readonly refusal: MessageError;

  constructor(code: MessageErrorCode, message: string, issues?: readonly ValidationIssue[]) {
    const refusal = messageError(code, message, issues);
    super(refusal);
    this.refusal = refusal;
    this.name = new.target.name;
  }

  /** The error (Nest's `WsException` contract). */
  override getError(): MessageError {
    return this.refusal;
  }
}

/** `WsGateAdapter` or `WsGateIoAdapter` is used in an application that does not import `WsGateModule`. */
export class WsGateModuleMissingError extends WsGateError {
  /** @param adapter - the adapter's name, for the message. @default 'WsGateAdapter' */
  constructor(adapter = 'WsGateAdapter') {
    super(
      'WSGATE_MODULE_MISSING',
      `${adapter} needs WsGateModule.forRoot() or WsGateModule.forRootAsync() in the application`,
    );
  }
}
