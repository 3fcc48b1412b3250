import { type ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerOptions } from '@nestjs/throttler';
import { errorAnswer, loginAccountOf, type LoginLimits } from 'demo-kit';
import type { Request, Response } from 'express';

const bodyOf = (context: ExecutionContext): unknown => context.switchToHttp().getRequest<Request>().body;

/**
 * The two `POST /login` throttlers: per client address (`req.ip`, through the trusted proxies)
 * and per account named in the body (attempts without a string `username` skip it).
 */
export function loginThrottlers(limits: LoginLimits): ThrottlerOptions[] {
  return [
    { name: 'login-address', limit: limits.perAddress, ttl: limits.windowMs },
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
