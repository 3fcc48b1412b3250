// One DTO per client message: the whole {type, ...} object, nothing more (WsValidationPipe
// refuses undeclared properties).
import { WsMessageDto } from '@wsgate/nestjs';
import { IsString, Length, Matches } from 'class-validator';

const ROOM = /^[a-z0-9_-]{1,32}$/;

export class JoinMessage extends WsMessageDto {
  @IsString()
  @Matches(ROOM)
  room!: string;
}

export class ChatMessage extends WsMessageDto {
  @IsString()
  @Matches(ROOM)
  room!: string;

  @IsString()
  @Length(1, 2000)
  text!: string;
}

export class WhoamiMessage extends WsMessageDto {}

export class AnnounceMessage extends WsMessageDto {
  @IsString()
  @Length(1, 2000)
  text!: string;
}
