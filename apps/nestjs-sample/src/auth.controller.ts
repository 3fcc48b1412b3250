import {
  Body,
  Controller,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from './config.js';
import { SessionRevocation } from './session-revocation.js';
import { SESSION_COOKIE, SessionStore } from './sessions.js';
import { verifyCredentials } from './users.js';

@Controller()
export class AuthController {
  private readonly cookieOptions: CookieOptions;

  constructor(
    private readonly sessions: SessionStore,
    private readonly revocation: SessionRevocation,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cookieOptions = Object.freeze({
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: config.tls !== undefined,
    });
  }

  /**
   * `POST /login {username, password}`: a new session on every success, 401 otherwise; 503
   * (no cookie) when the session store is out of reach (ServiceUnavailableFilter).
   */
  @Post('login')
  @HttpCode(HttpStatus.OK)
  async login(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ user: { id: string; roles: string[] } }> {
    const fields =
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {};
    const user = verifyCredentials(fields['username'], fields['password']);
    if (user === undefined)
      throw new HttpException({ error: 'INVALID_CREDENTIALS' }, HttpStatus.UNAUTHORIZED);
    const { token } = await this.sessions.create(user);
    response.cookie(SESSION_COOKIE, token, this.cookieOptions);
    return { user: { id: user.id, roles: [...user.roles] } };
  }

  /**
   * `POST /logout`: ends the session; its sockets close with 4401 on every instance (see
   * SessionRevocation) before the 204.
   */
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const ended = await this.sessions.endFromRequest(request);
    if (ended !== undefined) await this.revocation.revoke(ended.id);
    response.clearCookie(SESSION_COOKIE, this.cookieOptions);
  }
}
