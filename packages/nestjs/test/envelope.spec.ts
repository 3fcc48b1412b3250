// NestJS's own { event, data } envelope is the default: a client of Nest's WsAdapter needs no change.
import { UseFilters, UseGuards } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway, type WsResponse } from '@nestjs/websockets';
import { IsString, Length } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Roles,
  WsAuthGuard,
  WsGateExceptionFilter,
  WsGateMessageException,
  WsGateModule,
} from '../src/index.js';
import { createApp, openClient, ORIGIN, PLATFORMS, type TestApp } from './support.js';

class ChatDto {
  @IsString()
  @Length(1, 20)
  text!: string;
}

@UseFilters(WsGateExceptionFilter)
@UseGuards(WsAuthGuard)
@WebSocketGateway({ path: '/events' })
class EventGateway {
  @SubscribeMessage('chat')
  chat(@MessageBody() body: ChatDto): WsResponse<{ text: string; dto: boolean }> {
    return { event: 'chat', data: { text: body.text, dto: body instanceof ChatDto } };
  }

  @SubscribeMessage('ping')
  ping(): WsResponse<string> {
    return { event: 'pong', data: 'ok' };
  }

  @Roles('admin')
  @SubscribeMessage('announce')
  announce(@MessageBody() body: ChatDto): WsResponse<string> {
    return { event: 'announced', data: body.text };
  }

  @SubscribeMessage('refuse')
  refuse(): never {
    throw new WsGateMessageException('NOT_IN_ROOM', 'join the room first');
  }
}

describe.each(PLATFORMS)('the { event, data } envelope (default) on the %s platform', (platform) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createApp({
      platform,
      module: [WsGateModule.forRoot({ origins: { allow: [ORIGIN] } })],
      gateways: [EventGateway],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  async function client(subject = 'alice') {
    return openClient(t.wsUrl('/events', `ticket=${await t.ticket(subject)}`));
  }

  it('routes by event, validates data against the DTO, and answers WsResponse as Nest sends it', async () => {
    const socket = await client();
    expect(await socket.exchange({ event: 'chat', data: { text: 'hi' } })).toEqual({
      event: 'chat',
      data: { text: 'hi', dto: true },
    });
    expect(await socket.exchange({ event: 'ping' })).toEqual({ event: 'pong', data: 'ok' });
    socket.socket.terminate();
  });

  it("answers errors as { event: 'exception', data: { code, message, issues? } }, socket open", async () => {
    const socket = await client('bob');
    expect(await socket.exchange({ event: 'chat', data: { text: 'hi', from: 'mallory' } })).toEqual({
      event: 'exception',
      data: {
        code: 'VALIDATION_FAILED',
        message: 'invalid "chat" message',
        issues: [{ path: '/data/from', message: 'must not have additional properties' }],
      },
    });
    expect(await socket.exchange({ event: 'nope' })).toMatchObject({
      event: 'exception',
      data: { code: 'VALIDATION_FAILED', issues: [{ path: '/event' }] },
    });
    expect(await socket.exchange({ type: 'chat' })).toMatchObject({
      event: 'exception',
      data: { code: 'VALIDATION_FAILED' },
    });
    expect(await socket.exchange({ event: 'chat', data: { text: 'hi' }, extra: 1 })).toMatchObject({
      data: { code: 'VALIDATION_FAILED' },
    });
    expect(await socket.exchange({ event: 'ping', data: { unexpected: true } })).toEqual({
      event: 'exception',
      data: {
        code: 'VALIDATION_FAILED',
        message: 'invalid "ping" message',
        issues: [{ path: '/data', message: 'must not have additional properties' }],
      },
    });
    expect(await socket.exchange({ event: 'announce', data: { text: 'hi' } })).toEqual({
      event: 'exception',
      data: { code: 'FORBIDDEN', message: 'forbidden' },
    });
    expect(await socket.exchange({ event: 'refuse' })).toEqual({
      event: 'exception',
      data: { code: 'NOT_IN_ROOM', message: 'join the room first' },
    });
    expect(await socket.exchange('{"event":"chat",')).toMatchObject({
      event: 'exception',
      data: { code: 'BAD_JSON' },
    });
    expect(await socket.exchange({ event: 'chat', data: { text: 'still open' } })).toMatchObject({
      event: 'chat',
    });
    socket.socket.terminate();
  });
});
