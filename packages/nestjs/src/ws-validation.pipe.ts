import { Injectable, Optional, type ArgumentMetadata, type PipeTransform, type Type } from '@nestjs/common';
import { extraPropertyIssue, WsGateConfigError, type ValidationIssue } from '@wsgate/core';
import { plainToInstance, type ClassTransformOptions } from 'class-transformer';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';
import { WsGateMessageException } from './errors.js';

/** Options of {@link WsValidationPipe}. */
export interface WsValidationPipeOptions {
  /** Refuse properties the DTO does not declare (with `forbidNonWhitelisted`). @default true */
  whitelist?: boolean;
  /** Refuse (rather than strip) undeclared properties. @default true */
  forbidNonWhitelisted?: boolean;
  /** Most issues listed in one error frame. @default 10 */
  maxIssues?: number;
  /** Further class-validator options (groups, skipMissingProperties, ...). @default {} */
  validatorOptions?: Omit<ValidatorOptions, 'whitelist' | 'forbidNonWhitelisted' | 'validationError'>;
  /** class-transformer options for `plainToInstance`. @default {} (no implicit conversion) */
  transformOptions?: ClassTransformOptions;
}

interface WsValidationPipeConfig {
  readonly validatorOptions: ValidatorOptions;
  readonly transformOptions: ClassTransformOptions;
  readonly maxIssues: number;
}

const PRIMITIVES: readonly unknown[] = [String, Number, Boolean, Array, Object, Symbol, BigInt];
const SAFE_TYPE = /^[A-Za-z0-9_.:-]{1,64}$/;

function resolveOptions(options: WsValidationPipeOptions): WsValidationPipeConfig {
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError('WsValidationPipe options must be an object');
  const maxIssues = options.maxIssues ?? 10;
  if (!Number.isInteger(maxIssues) || maxIssues < 1)
    throw new WsGateConfigError('WsValidationPipe maxIssues must be a positive integer');
  return Object.freeze({
    validatorOptions: Object.freeze({
      forbidUnknownValues: true,
      ...options.validatorOptions,
      whitelist: options.whitelist ?? true,
      forbidNonWhitelisted: options.forbidNonWhitelisted ?? true,
      // Never copy the target object or the offending value into errors.
      validationError: { target: false, value: false },
    }),
    transformOptions: Object.freeze({ ...options.transformOptions }),
    maxIssues,
  });
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function collectIssues(
  errors: readonly ValidationError[],
  parentPath: string,
  issues: ValidationIssue[],
): void {
  for (const error of errors) {
    const path =
      typeof error.property === 'string' && error.property !== ''
        ? `${parentPath}/${escapePointer(error.property)}`
        : parentPath;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      // An undeclared property: named only when it is a plain identifier (core's rule).
      if (constraint === 'whitelistValidation') issues.push(extraPropertyIssue(parentPath, error.property));
      else issues.push({ path, message });
    }
    if (error.children !== undefined && error.children.length > 0)
      collectIssues(error.children, path, issues);
  }
}

/**
 * Validates `@MessageBody()` DTOs with class-validator + class-transformer, `whitelist` and
 * `forbidNonWhitelisted` on: a message with an undeclared property, a wrong type or a broken
 * rule becomes the error frame
 * `{"type":"error","code":"VALIDATION_FAILED","message","issues":[{path,message}]}`, with JSON
 * Pointer paths and without the offending values (the socket stays open). On success the
 * handler gets the DTO instance. Only message bodies typed with a class are validated.
 *
 * Handlers receive the whole message, so DTOs declare `type` too (extend `WsMessageDto`).
 *
 * @example
 * @UsePipes(new WsValidationPipe())
 * @WebSocketGateway({ path: '/ws' })
 * export class ChatGateway {
 *   @SubscribeMessage('join') join(@MessageBody() message: JoinDto) {}
 * }
 */
@Injectable()
export class WsValidationPipe implements PipeTransform<unknown, Promise<unknown>> {
  private readonly config: WsValidationPipeConfig;

  constructor(@Optional() options: WsValidationPipeOptions = {}) {
    this.config = resolveOptions(options ?? {});
  }

  /** Validates and transforms a message body; passes every other argument through. */
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if (!this.shouldValidate(metadata) || metatype === undefined) return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new WsGateMessageException('VALIDATION_FAILED', 'message must be a JSON object', [
        { path: '', message: 'must be object' },
      ]);
    }
    const instance: object = plainToInstance(metatype as Type<object>, value, this.config.transformOptions);
    const errors = await validate(instance, this.config.validatorOptions);
    if (errors.length > 0)
      throw new WsGateMessageException('VALIDATION_FAILED', this.messageFor(value), this.issuesFor(errors));
    return instance;
  }

  /**
   * Whether an argument is validated: a `@MessageBody()` (Nest's pipes see it as `'body'`;
   * `@ConnectedSocket()` and custom decorators such as `@WsPrincipal()` are `'custom'`) typed
   * with a class.
   */
  protected shouldValidate(metadata: ArgumentMetadata): boolean {
    return (
      metadata.type === 'body' &&
      typeof metadata.metatype === 'function' &&
      !PRIMITIVES.includes(metadata.metatype)
    );
  }

  /** The frame's `message`, e.g. `invalid "join" message`. */
  protected messageFor(value: object): string {
    const type: unknown = (value as Record<string, unknown>)['type'];
    return typeof type === 'string' && SAFE_TYPE.test(type) ? `invalid "${type}" message` : 'invalid message';
  }

  /** The frame's `issues`: JSON Pointer paths, constraint messages, de-duplicated, capped. */
  protected issuesFor(errors: readonly ValidationError[]): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    collectIssues(errors, '', issues);
    const seen = new Set<string>();
    return issues
      .filter((issue) => {
        const key = `${issue.path}\u0000${issue.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .slice(0, this.config.maxIssues);
  }
}
