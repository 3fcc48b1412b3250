import { type ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerOptions } from '@nestjs/throttler';
import {
  clientAddressResolver,
  errorAnswer,
  loginAccountOf,
  type DemoTrustProxy,
  type LoginLimits,
} from 'demo-kit';
import type { Request, Response } from 'express';

const bodyOf = (context: ExecutionContext): unknown => context.switchToHttp().getRequest<Request>().body;

/**
 * The two `POST /login` throttlers: per client address (as @wsgate resolves it through
 * `TRUST_PROXY`: an unparsable `X-Forwarded-For` counts as the proxy's address, where `req.ip`
 * would make it a key of its own) and per account named in the body (attempts without a string
 * `username` skip it).
 */
export function loginThrottlers(limits: LoginLimits, trustProxy: DemoTrustProxy): ThrottlerOptions[] {
  const clientAddress = clientAddressResolver(trustProxy);
  return [
    {
      name: 'login-address',
      limit: limits.perAddress,
      ttl: limits.windowMs,
      getTracker: (request) => clientAddress(request as Request),
    },
    {
      name: 'login-account',
      limit: limits.perAccount,
      ttl: limits.windowMs,
      getTracker: (request) => `account:${loginAccountOf(request['body']) ?? ''}`,
      skipIf: (context) => loginAccountOf(bodyOf(context)) === undefined,
    },
  ];
}

/** @nestjs/throttler's guard answering the protocol's 429: `{"error":"RATE_LIMITED"}` and `Retry-After`. */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(detail.timeToBlockExpire));
    throw new HttpException(errorAnswer(HttpStatus.TOO_MANY_REQUESTS).body, HttpStatus.TOO_MANY_REQUESTS);
  }
}
