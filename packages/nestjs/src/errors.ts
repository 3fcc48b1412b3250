import { WsException } from '@nestjs/websockets';
import {
  errorFrame,
  WsGateError,
  type ErrorFrame,
  type MessageErrorCode,
  type ValidationIssue,
} from '@wsgate/core';

/**
 * A refusal of one message that keeps the socket open: thrown from a handler, guard or pipe,
 * it reaches the client as the error frame `{"type":"error","code","message","issues"?}`
 * (through `WsGateExceptionFilter`, or the adapter's fallback). Use it for your own codes.
 *
 * @example
 * if (!rooms.has(message.room)) throw new WsGateMessageException('NOT_IN_ROOM', 'join the room first');
 */
export class WsGateMessageException extends WsException {
  /** The frame sent to the client. */
  readonly frame: ErrorFrame;

  constructor(code: MessageErrorCode, message: string, issues?: readonly ValidationIssue[]) {
    const frame = errorFrame(code, message, issues);
    super(frame);
    this.frame = frame;
    this.name = new.target.name;
  }

  /** The error frame (Nest's `WsException` contract). */
  override getError(): ErrorFrame {
    return this.frame;
  }
}

/** `WsGateAdapter` is used in an application that does not import `WsGateModule`. */
export class WsGateModuleMissingError extends WsGateError {
  constructor() {
    super(
      'WSGATE_MODULE_MISSING',
      'WsGateAdapter needs WsGateModule.forRoot() or WsGateModule.forRootAsync() in the application',
    );
  }
}
