import { createHash } from 'node:crypto';
import { Controller, HttpStatus, Inject, Post, Req, Res, type Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { WsGateError } from '@wsgate/core';
import { handshakeRequestOf, type HttpRequestLike } from './http-request.js';
import { TicketService } from './ticket.service.js';
import { WSGATE_CONFIG, WSGATE_TICKET_THROTTLER } from './tokens.js';
import type { ResolvedTicketRoute, TicketSubject, WsGateModuleConfig } from './wsgate-options.js';

/** Body and status of a ticket route answer. */
interface TicketAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly retryAfterSeconds?: number;
}

const THROTTLER_NAME = 'wsgate-ticket';

function refusal(status: number, error: string, retryAfterSeconds?: number): TicketAnswer {
  return retryAfterSeconds === undefined
    ? { status, body: { error } }
    : { status, body: { error }, retryAfterSeconds };
}

function isTicketSubject(value: unknown): value is TicketSubject {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as TicketSubject).subject === 'string' &&
    (value as TicketSubject).subject !== '' &&
    ((value as TicketSubject).sessionId === undefined ||
      typeof (value as TicketSubject).sessionId === 'string')
  );
}

/** The throttle key of a session (or of a subject without sessions), hashed: no session id in the storage. */
function throttleKey(subject: TicketSubject): string {
  const identity =
    subject.sessionId === undefined ? `subject:${subject.subject}` : `session:${subject.sessionId}`;
  return `${THROTTLER_NAME}:${createHash('sha256').update(identity).digest('base64url')}`;
}

/**
 * @internal Builds the ready-made ticket controller for `path` (a route path is fixed when the
 * class is decorated, so the class is made per module registration).
 */
export function createTicketController(path: string): Type<unknown> {
  @Controller()
  class WsGateTicketController {
    private readonly route: ResolvedTicketRoute;
    private readonly gate: WsGateModuleConfig['gate'];

    constructor(
      @Inject(WSGATE_CONFIG) config: WsGateModuleConfig,
      @Inject(TicketService) private readonly tickets: TicketService,
      @Inject(WSGATE_TICKET_THROTTLER) private readonly throttler: ThrottlerStorage,
      @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    ) {
      // The module only registers this controller together with a resolved route.
      this.route = config.ticketRoute as ResolvedTicketRoute;
      this.gate = config.gate;
    }

    @Post(path)
    async issue(@Req() request: HttpRequestLike, @Res() response: unknown): Promise<void> {
      const answer = await this.answer(request);
      const http = this.adapterHost.httpAdapter;
      http.setHeader(response, 'Cache-Control', 'no-store');
      if (answer.retryAfterSeconds !== undefined)
        http.setHeader(response, 'Retry-After', String(answer.retryAfterSeconds));
      http.reply(response, answer.body, answer.status);
    }

    private async answer(request: HttpRequestLike): Promise<TicketAnswer> {
      // Origin (and TLS when required) first: a cross-site request is refused before anything else.
      const precheck = this.gate.precheckTicketRequest(handshakeRequestOf(request));
      if (!precheck.ok) return refusal(HttpStatus.FORBIDDEN, precheck.code);
      const subject = await this.route.authenticate(request);
      if (!isTicketSubject(subject)) return refusal(HttpStatus.UNAUTHORIZED, 'UNAUTHENTICATED');
      if (this.route.throttle !== false) {
        const { limit, ttl } = this.route.throttle;
        const record = await this.throttler.increment(throttleKey(subject), ttl, limit, 0, THROTTLER_NAME);
        if (record.isBlocked)
          return refusal(HttpStatus.TOO_MANY_REQUESTS, 'RATE_LIMITED', Math.max(1, record.timeToBlockExpire));
      }
      try {
        const issued = await this.tickets.issueForRequest(request, subject);
        if (!issued.ok) return refusal(issued.status, issued.code);
        return { status: HttpStatus.OK, body: { ticket: issued.ticket, expiresAt: issued.expiresAt } };
      } catch (error) {
        if (error instanceof WsGateError && error.statusCode === 503)
          return refusal(HttpStatus.SERVICE_UNAVAILABLE, 'SERVICE_UNAVAILABLE');
        throw error;
      }
    }
  }
  return WsGateTicketController;
}
