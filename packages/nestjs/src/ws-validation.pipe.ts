import { Injectable, Optional, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { DEFAULTS, invalidMessage, positiveInteger } from '@wsgate/core';
import { classValidatorSchema, isDtoClass, isValidatedDto } from '@wsgate/core/class-validator';
import { WsGateMessageException } from './errors.js';

/** Options of {@link WsValidationPipe}. */
export interface WsValidationPipeOptions {
  /** Most issues listed in one error. @default 10 */
  maxIssues?: number;
}

/**
 * Validates a `@MessageBody()` typed with a class-validator DTO with the same compiled rules as
 * `WsGateAdapter` (`@wsgate/core/class-validator`: `whitelist` and `forbidNonWhitelisted`, default
 * messages, JSON Pointer paths, no value echoed) and hands the handler the DTO instance. The
 * adapter already validates every message before guards run, and this pipe then hands its
 * instance on as it is: the pipe is for bodies validated elsewhere (another adapter, a test).
 *
 * @example
 * @UsePipes(new WsValidationPipe())
 * @WebSocketGateway({ path: '/ws' })
 * export class ChatGateway {}
 */
@Injectable()
export class WsValidationPipe implements PipeTransform<unknown, Promise<unknown>> {
  private readonly maxIssues: number;

  constructor(@Optional() options: WsValidationPipeOptions = {}) {
    this.maxIssues = positiveInteger('WsValidationPipe maxIssues', options?.maxIssues, DEFAULTS.maxIssues);
  }

  /** Validates and transforms a message body; passes every other argument through. */
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    if (metadata.type !== 'body' || !isDtoClass(metatype)) return value;
    if (isValidatedDto(value) && value instanceof metatype) return value;
    const result = classValidatorSchema(metatype).validate(value);
    if (result.ok) return result.value;
    const type: unknown = (value as { type?: unknown } | null)?.type;
    const { code, message, issues } = invalidMessage(typeof type === 'string' ? type : '', result.issues);
    throw new WsGateMessageException(code, message, issues?.slice(0, this.maxIssues));
  }
}
