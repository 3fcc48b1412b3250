import { SetMetadata, type CustomDecorator } from '@nestjs/common';

/** Metadata key of {@link WsRawMessage}. */
export const WSGATE_RAW_MESSAGE_KEY = 'wsgate:raw-message';

/**
 * Marks a `@SubscribeMessage()` handler that takes its message body unvalidated (no DTO class).
 * Without it, `WsGateAdapter` refuses at start-up a handler whose `@MessageBody()` is not typed
 * with a DTO class: every message that reaches a handler is validated by default (fail closed).
 * The message still passes the frame checks (size, JSON, rate) and the envelope.
 *
 * @example
 * @WsRawMessage()
 * @SubscribeMessage('debug')
 * debug(@MessageBody() anything: unknown) {}
 */
export function WsRawMessage(): CustomDecorator<string> {
  return SetMetadata(WSGATE_RAW_MESSAGE_KEY, true);
}
