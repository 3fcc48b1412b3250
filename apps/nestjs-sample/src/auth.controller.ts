import { Controller, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  type DemoBackend,
  type DemoConfig,
  type HttpAnswer,
  SESSION_COOKIE,
  sessionCookieOptions,
} from 'demo-kit';
import type { CookieOptions, Request, Response } from 'express';
import { APP_CONFIG, DEMO_BACKEND } from './demo-backend.module.js';
import { LoginThrottlerGuard } from './login-throttler.guard.js';

function cookieOf(request: Request): unknown {
  const cookies: unknown = request.cookies;
  return cookies !== null && typeof cookies === 'object'
    ? (cookies as Record<string, unknown>)[SESSION_COOKIE]
    : undefined;
}

function send(response: Response, { status, body }: HttpAnswer): void {
  if (body === undefined) response.status(status).end();
  else response.status(status).json(body);
}

/** `POST /login` and `POST /logout`, answered by the demo kit's `DemoAuth`. */
@Controller()
export class AuthController {
  private readonly cookieOptions: CookieOptions;

  constructor(
    @Inject(DEMO_BACKEND) private readonly backend: DemoBackend,
    @Inject(APP_CONFIG) config: DemoConfig,
  ) {
    this.cookieOptions = sessionCookieOptions(config.tls !== undefined);
  }

  /** Rate-limited per address and per account (LoginThrottlerGuard); JSON only (415 otherwise). */
  @Post('login')
  @UseGuards(LoginThrottlerGuard)
  async login(@Req() request: Request, @Res() response: Response): Promise<void> {
    const answer = await this.backend.auth.login({
      contentType: request.headers['content-type'],
      body: request.body as unknown,
    });
    if (answer.sessionToken !== undefined)
      response.cookie(SESSION_COOKIE, answer.sessionToken, this.cookieOptions);
    send(response, answer);
  }

  /** Ends the session; its sockets close with 4401 on every instance (503 if the store is out of reach). */
  @Post('logout')
  async logout(@Req() request: Request, @Res() response: Response): Promise<void> {
    const answer = await this.backend.auth.logout(cookieOf(request));
    if (answer.clearCookie) response.clearCookie(SESSION_COOKIE, this.cookieOptions);
    send(response, answer);
  }
}
