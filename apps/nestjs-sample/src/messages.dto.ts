// One DTO per client message: the whole {type, ...} object, nothing more (WsGateAdapter refuses
// undeclared properties). `whoami` carries nothing: its handler takes no body.
import { WsMessageDto } from '@wsgate/nestjs';
import { IsString, Length, Matches } from 'class-validator';
import { MAX_TEXT_LENGTH, ROOM_PATTERN } from 'demo-kit';

const ROOM = new RegExp(ROOM_PATTERN);

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
  @Length(1, MAX_TEXT_LENGTH)
  text!: string;
}

export class AnnounceMessage extends WsMessageDto {
  @IsString()
  @Length(1, MAX_TEXT_LENGTH)
  text!: string;
}
