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
import { SESSION_COOKIE, SessionStore } from './sessions.js';
import { verifyCredentials } from './users.js';

@Controller()
export class AuthController {
  private readonly cookieOptions: CookieOptions;

  constructor(
    private readonly sessions: SessionStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cookieOptions = Object.freeze({
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: config.tls !== undefined,
    });
  }

  /** `POST /login {username, password}`: a new session on every success, 401 otherwise. */
  @Post('login')
  @HttpCode(HttpStatus.OK)
  login(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): { user: { id: string; roles: string[] } } {
    const fields =
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {};
    const user = verifyCredentials(fields['username'], fields['password']);
    if (user === undefined)
      throw new HttpException({ error: 'INVALID_CREDENTIALS' }, HttpStatus.UNAUTHORIZED);
    const { token } = this.sessions.create(user);
    response.cookie(SESSION_COOKIE, token, this.cookieOptions);
    return { user: { id: user.id, roles: [...user.roles] } };
  }

  /** `POST /logout`: ends the session; its sockets close with 4401 (see SessionRevocation). */
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): void {
    this.sessions.endFromRequest(request);
    response.clearCookie(SESSION_COOKIE, this.cookieOptions);
  }
}
