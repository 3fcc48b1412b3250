import { Inject, Injectable } from '@nestjs/common';
import {
  handshakeRequestFrom,
  type IssueForRequestResult,
  type TicketClaims,
  type TicketSubject,
} from '@wsgate/core';
import type { HttpRequestLike } from './http-request.js';
import { WsGate } from './tokens.js';

/**
 * Issues WebSocket tickets from your own authenticated HTTP controller. Same semantics as the
 * core `gate.issueForRequest`: a foreign Origin (or plain HTTP under `requireSecure`) is
 * refused with `{ ok: false, status: 403, code }` and no ticket is issued; otherwise the
 * ticket is bound to the client address (through trusted proxies only) and to the request's
 * Origin. Answer with `Cache-Control: no-store`.
 *
 * @example
 * @Post('ws-ticket')
 * @Header('Cache-Control', 'no-store')
 * async ticket(@Req() req: Request) {
 *   const result = await this.tickets.issueForRequest(req, { subject: req.user.id, sessionId: req.session.id });
 *   if (!result.ok) throw new ForbiddenException({ error: result.code });
 *   return { ticket: result.ticket, expiresAt: result.expiresAt };
 * }
 */
@Injectable()
export class TicketService<TClaims extends TicketClaims = TicketClaims> {
  constructor(@Inject(WsGate) private readonly gate: WsGate<TClaims>) {}

  /** Issues a ticket for `input` if the request's Origin and transport are acceptable. */
  issueForRequest(request: HttpRequestLike, input: TicketSubject<TClaims>): Promise<IssueForRequestResult> {
    return this.gate.issueForRequest(handshakeRequestFrom(request), input);
  }
}
