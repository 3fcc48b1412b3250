// Every message that reaches a handler is validated: a handler whose body has no DTO class is
// refused at start-up, unless it says it takes raw input; validation runs before guards.
import { UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { WsGateConfigError } from '@wsgate/core';
import { IsIn, IsString, Length } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Roles, WsAuthGuard, WsGateAdapter, WsGateModule, WsRawMessage } from '../src/index.js';
import { createApp, DEFAULT_OPTIONS, openClient, type TestApp } from './support.js';

class AnnounceDto {
  @IsIn(['announce'])
  type!: 'announce';

  @IsString()
  @Length(1, 20)
  text!: string;
}

interface Untyped {
  anything: string;
}

@WebSocketGateway({ path: '/untyped' })
class UntypedGateway {
  @SubscribeMessage('loose')
  loose(@MessageBody() body: Untyped) {
    return body;
  }
}

describe('fail closed at start-up', () => {
  it('refuses a handler whose @MessageBody() is not a DTO class, naming it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [WsGateModule.forRoot(DEFAULT_OPTIONS)],
      providers: [UntypedGateway],
    })
      .compile()
      .catch((error: unknown) => error);
    if (moduleRef instanceof Error) {
      expect(moduleRef).toBeInstanceOf(WsGateConfigError);
      expect(moduleRef.message).toMatch(/UntypedGateway\.loose/);
      return;
    }
    const app = (
      moduleRef as Awaited<ReturnType<ReturnType<typeof Test.createTestingModule>['compile']>>
    ).createNestApplication({
      logger: false,
    });
    app.useWebSocketAdapter(new WsGateAdapter(app));
    await expect(app.init()).rejects.toThrow(/UntypedGateway\.loose.*@WsRawMessage/);
    await app.close().catch(() => undefined);
  });
});

@UseGuards(WsAuthGuard)
@WebSocketGateway({ path: '/checked' })
class CheckedGateway {
  @WsRawMessage()
  @SubscribeMessage('raw')
  raw(@MessageBody() body: unknown) {
    return { type: 'raw', body };
  }

  @Roles('admin')
  @SubscribeMessage('announce')
  announce(@MessageBody() body: AnnounceDto) {
    return { type: 'announced', text: body.text };
  }
}

describe('validation before authorization, raw handlers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createApp({ gateways: [CheckedGateway] }).catch((error: unknown) => {
      throw error;
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets a @WsRawMessage() handler take its body unvalidated (frame checks still apply)', async () => {
    const client = await openClient(t.wsUrl('/checked', `ticket=${await t.ticket('alice')}`));
    expect(await client.exchange({ type: 'raw', anything: [1, 2] })).toEqual({
      type: 'raw',
      body: { type: 'raw', anything: [1, 2] },
    });
    expect(await client.exchange('{"type":"raw","__proto__":{}}')).toMatchObject({ code: 'BAD_JSON' });
    client.socket.terminate();
  });

  it("answers a member's invalid announce with VALIDATION_FAILED, not FORBIDDEN: validation comes before guards", async () => {
    const client = await openClient(t.wsUrl('/checked', `ticket=${await t.ticket('bob')}`));
    expect(await client.exchange({ type: 'announce', text: '' })).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await client.exchange({ type: 'announce', text: 'hi' })).toMatchObject({ code: 'FORBIDDEN' });
    client.socket.terminate();
  });

  it.each([
    ['constructor', { type: 'announce', text: 'hi', constructor: 1 }],
    ['hasOwnProperty', { type: 'announce', text: 'hi', hasOwnProperty: 1 }],
    ['toString', { type: 'announce', text: 'hi', toString: 'x' }],
  ])('refuses an undeclared %s key (an Object.prototype name) as VALIDATION_FAILED', async (key, message) => {
    const client = await openClient(t.wsUrl('/checked', `ticket=${await t.ticket('alice')}`));
    expect(await client.exchange(message)).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: `/${key}`, message: 'must not have additional properties' }],
    });
    client.socket.terminate();
  });
});
