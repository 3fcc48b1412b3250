import { ForbiddenException, type ExecutionContext, type Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { WsException } from '@nestjs/websockets';
import type { Principal } from '@wsgate/core';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { recordSocket, typeEnvelope } from '@wsgate/core';
import { describe, expect, it, vi } from 'vitest';
import {
  Roles,
  WsAuthGuard,
  WsGateExceptionFilter,
  WsGateMessageException,
  WsMessageDto,
  WsValidationPipe,
} from '../src/index.js';

function principal(claims: Record<string, unknown>): Principal {
  return { subject: 'u', sessionId: undefined, claims, issuedAt: 0 };
}

class Handlers {
  @Roles('admin')
  admin(): string {
    return 'admin';
  }
  open(): string {
    return 'open';
  }
}

function wsContext(handler: () => string, client: unknown): ExecutionContext {
  return {
    getType: () => 'ws',
    getHandler: () => handler,
    getClass: () => Handlers,
    switchToWs: () => ({ getClient: () => client, getData: () => ({}), getPattern: () => 'x' }),
  } as unknown as ExecutionContext;
}

describe('WsAuthGuard', () => {
  class TenantRolesGuard extends WsAuthGuard {
    protected override getPrincipal(): Principal | undefined {
      return principal({ permissions: { roles: ['admin'] } });
    }
    protected override rolesOf(p: Principal): readonly string[] {
      return (p.claims['permissions'] as { roles: string[] }).roles;
    }
  }

  it('can be customised by subclassing its protected hooks', () => {
    const guard = new TenantRolesGuard(new Reflector());
    expect(guard.canActivate(wsContext(Handlers.prototype.admin, {}))).toBe(true);
  });

  it('refuses a socket without a principal with UNAUTHENTICATED and fails closed outside WebSocket contexts', () => {
    const guard = new WsAuthGuard(new Reflector());
    expect(() => guard.canActivate(wsContext(Handlers.prototype.open, {}))).toThrow(WsGateMessageException);
    try {
      guard.canActivate(wsContext(Handlers.prototype.open, {}));
    } catch (error) {
      expect((error as WsGateMessageException).refusal.code).toBe('UNAUTHENTICATED');
    }
    const http = { getType: () => 'http' } as unknown as ExecutionContext;
    expect(guard.canActivate(http)).toBe(false);
  });
});

class Address {
  @IsString()
  city!: string;
}

class ProfileDto extends WsMessageDto {
  @IsInt()
  @Min(0)
  age!: number;

  @ValidateNested()
  @Type(() => Address)
  address!: Address;
}

describe('WsValidationPipe', () => {
  const pipe = new WsValidationPipe();
  const body = { type: 'body' as const, metatype: ProfileDto };

  it('returns a DTO instance for a valid message and passes other arguments through', async () => {
    const value = await pipe.transform({ type: 'profile', age: 3, address: { city: 'Oslo' } }, body);
    expect(value).toBeInstanceOf(ProfileDto);
    const socket = { any: 'thing' };
    expect(await pipe.transform(socket, { type: 'custom', metatype: Object })).toBe(socket);
  });

  it('reports nested issues with JSON Pointer paths and no values', async () => {
    const error = await pipe
      .transform({ type: 'profile', age: -1, address: { city: 7, 'x/y': 'secret' } }, body)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WsGateMessageException);
    const frame = (error as WsGateMessageException).refusal;
    expect(frame.code).toBe('VALIDATION_FAILED');
    expect(frame.message).toBe('invalid "profile" message');
    expect(frame.issues?.map((issue) => issue.path)).toEqual(['/age', '/address', '/address/city']);
    expect(JSON.stringify(frame)).not.toContain('secret');
  });

  it('refuses non-object bodies', async () => {
    for (const value of [null, 'text', 5, []]) {
      await expect(pipe.transform(value, body)).rejects.toBeInstanceOf(WsGateMessageException);
    }
  });
});

describe('WsGateExceptionFilter', () => {
  function hostFor(client: unknown) {
    return { switchToWs: () => ({ getClient: () => client }), getArgByIndex: () => undefined } as never;
  }

  it('maps exceptions to frames and only sends on open sockets', () => {
    const sent: string[] = [];
    const client = { readyState: 1, send: (data: string) => sent.push(data) };
    // A socket the adapter accepted in the `{ type }` envelope, with the error channel core's
    // `openWebSocket` records (a socket it did not: `{ event }`).
    recordSocket(client, {
      principal: undefined as never,
      sendError: (error) => client.send(JSON.stringify(typeEnvelope.encodeError(error))),
    });
    const filter = new WsGateExceptionFilter();
    const logged = vi
      .spyOn((filter as unknown as { logger: Logger }).logger, 'error')
      .mockImplementation(() => undefined);
    filter.catch(new ForbiddenException(), hostFor(client));
    filter.catch(
      new WsException({ code: 'CUSTOM', message: 'custom text', stack: 'x', extra: 1 }),
      hostFor(client),
    );
    filter.catch(new WsException({ not: 'a frame' }), hostFor(client));
    filter.catch('thrown string', hostFor(client));
    filter.catch(new Error('x'), hostFor({ readyState: 3, send: () => sent.push('closed!') }));
    expect(sent.map((text) => JSON.parse(text) as unknown)).toEqual([
      { type: 'error', code: 'FORBIDDEN', message: 'forbidden' },
      { type: 'error', code: 'CUSTOM', message: 'custom text' },
      { type: 'error', code: 'INTERNAL_ERROR', message: 'internal error' },
      { type: 'error', code: 'INTERNAL_ERROR', message: 'internal error' },
    ]);
    expect(logged).toHaveBeenCalledTimes(3);
  });

  it("writes errors in the socket's envelope: Nest's { event: 'exception', data } by default", () => {
    const sent: string[] = [];
    const filter = new WsGateExceptionFilter();
    filter.catch(
      new ForbiddenException(),
      hostFor({ readyState: 1, send: (data: string) => sent.push(data) }),
    );
    expect(JSON.parse(sent[0] ?? '')).toEqual({
      event: 'exception',
      data: { code: 'FORBIDDEN', message: 'forbidden' },
    });
  });
});
