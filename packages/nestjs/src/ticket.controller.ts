import { Controller, Inject, Logger, Post, Req, Res, type Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { handshakeRequestFrom } from '@wsgate/core';
import { logAuditEvent } from './audit-log.js';
import type { HttpRequestLike } from './http-request.js';
import { WSGATE_CONFIG } from './tokens.js';
import type { WsGateModuleConfig } from './wsgate-options.js';

/**
 * @internal Builds the ready-made ticket controller for `path` (a route path is fixed when the
 * class is decorated, so the class is made per module registration). The answer is core's ticket
 * request flow, as it is; its per-address guard and per-session limit (the gate's) count in
 * `@nestjs/throttler`'s storage (built once, with the module's configuration).
 */
export function createTicketController(path: string): Type<unknown> {
  @Controller()
  class WsGateTicketController {
    private readonly logger = new Logger('WsGateTicketRoute');

    constructor(
      @Inject(WSGATE_CONFIG) private readonly config: WsGateModuleConfig,
      @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    ) {}

    @Post(path)
    async issue(@Req() request: HttpRequestLike, @Res() response: unknown): Promise<void> {
      const { ticketRoute: route, perAddressLimiter } = this.config;
      if (route === undefined) return;
      const answer = await this.config.gate.answerTicketRequest(
        handshakeRequestFrom(request),
        () => route.authenticate(request),
        { perAddress: perAddressLimiter },
      );
      logAuditEvent(this.logger, answer.audit);
      const http = this.adapterHost.httpAdapter;
      for (const [name, value] of Object.entries(answer.headers)) http.setHeader(response, name, value);
      http.reply(response, answer.body, answer.status);
    }
  }
  return WsGateTicketController;
}
