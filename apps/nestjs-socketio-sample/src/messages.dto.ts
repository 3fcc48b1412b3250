// One DTO per event payload: the payload, nothing more (WsGateIoAdapter refuses undeclared
// properties before any guard runs). `whoami` carries nothing: its handler takes no body.
import { IsString, Length, Matches } from 'class-validator';
import { MAX_TEXT_LENGTH, ROOM_PATTERN } from 'demo-kit';

const ROOM = new RegExp(ROOM_PATTERN);

export class JoinPayload {
  @IsString()
  @Matches(ROOM)
  room!: string;
}

export class ChatPayload {
  @IsString()
  @Matches(ROOM)
  room!: string;

  @IsString()
  @Length(1, MAX_TEXT_LENGTH)
  text!: string;
}

export class AnnouncePayload {
  @IsString()
  @Length(1, MAX_TEXT_LENGTH)
  text!: string;
}
