import fastifyRateLimit from '@fastify/rate-limit';
import {
  handshakeRequestFrom,
  WsGateError,
  type TicketClaims,
  type WsGate,
  type ClosableConnection,
} from '@wsgate/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedTicketRoute } from './options.js';

function refuse(reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ error });
}

/**
 * Registers the ready-made `POST` ticket route in its own encapsulated context, with its own
 * @fastify/rate-limit registration (`global: false`) so that the app's rate limiting, if
 * any, is untouched. Answers: 200 `{ ticket, expiresAt }`, 401 `UNAUTHENTICATED`,
 * 403 `ORIGIN_NOT_ALLOWED`/`INSECURE_TRANSPORT`, 429 `RATE_LIMITED`, 503 `SERVICE_UNAVAILABLE`;
 * always `Cache-Control: no-store`.
 */
export async function registerTicketRoute<TClaims extends TicketClaims>(
  fastify: FastifyInstance,
  gate: WsGate<TClaims, unknown, ClosableConnection>,
  route: ResolvedTicketRoute<TClaims>,
): Promise<void> {
  await fastify.register(async function wsgateTicketRoute(child) {
    if (route.rateLimit !== false) {
      await child.register(fastifyRateLimit, {
        global: false,
        errorResponseBuilder: (_request, context) => ({
          statusCode: context.statusCode,
          error: 'RATE_LIMITED',
        }),
      });
    }
    child.setErrorHandler((error: { statusCode?: number; error?: string }, request, reply) => {
      if (error.statusCode === 429) return refuse(reply, 429, 'RATE_LIMITED');
      if (error instanceof WsGateError && error.statusCode === 503) {
        request.log.warn(
          { event: 'wsgate.service_unavailable', code: error.code },
          'ticket route dependency unavailable',
        );
        return refuse(reply, 503, 'SERVICE_UNAVAILABLE');
      }
      request.log.error({ err: error, event: 'wsgate.ticket_route_error' }, 'ticket route failed');
      return refuse(reply, 500, 'INTERNAL_ERROR');
    });
    child.post(
      route.path,
      { config: route.rateLimit === false ? {} : { rateLimit: { ...route.rateLimit } } },
      async (request: FastifyRequest, reply: FastifyReply) => {
        const handshake = handshakeRequestFrom(request.raw);
        const precheck = gate.precheckTicketRequest(handshake);
        if (!precheck.ok) return refuse(reply, precheck.status, precheck.code);
        const user = await route.authenticate(request);
        if (user === null || user === undefined) return refuse(reply, 401, 'UNAUTHENTICATED');
        const issued = await gate.issueForRequest(handshake, user);
        if (!issued.ok) return refuse(reply, issued.status, issued.code);
        request.log.info(
          { event: 'wsgate.ticket_issued', subject: user.subject, sessionId: user.sessionId },
          'ticket issued',
        );
        return reply
          .header('cache-control', 'no-store')
          .send({ ticket: issued.ticket, expiresAt: issued.expiresAt });
      },
    );
  });
}
