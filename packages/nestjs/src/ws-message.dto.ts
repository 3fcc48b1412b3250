import { IsString } from 'class-validator';

/**
 * Base class of message DTOs: handlers receive the whole `{type, ...}` message, so with
 * `whitelist`/`forbidNonWhitelisted` the DTO must declare `type` as well. Extend it and add the
 * message's own fields.
 *
 * @example
 * export class JoinDto extends WsMessageDto {
 *   @Matches(/^[a-z0-9_-]{1,32}$/) room!: string;
 * }
 */
export abstract class WsMessageDto {
  /** The message type the adapter routed on. */
  @IsString()
  type!: string;
}
