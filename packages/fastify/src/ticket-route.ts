import fastifyRateLimit from '@fastify/rate-limit';
import { handshakeRequestFrom, writeAuditEvent, type RequestRateLimiter, type WsGate } from '@wsgate/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WsGatePluginConfig } from './options.js';
import type { WsGateClaims } from './types.js';

const kSessionKey = Symbol('wsgate.ticket-rate-key');
type KeyedRequest = FastifyRequest & { [kSessionKey]?: string };

/** A limit of core's (`{ max, windowMs }`) as @fastify/rate-limit takes it. */
function rateLimitOf(limit: { readonly max: number; readonly windowMs: number }) {
  return { max: limit.max, timeWindow: limit.windowMs };
}

/**
 * Registers the ready-made `POST` ticket route in its own encapsulated context, with its own
 * `@fastify/rate-limit` registration (`global: false`), so the app's rate limiting is untouched:
 * a per-address guard in front of `authenticate`, then the per-session limit inside core's
 * ticket request flow, counted in @fastify/rate-limit's store (`fastify.createRateLimit()`).
 * The answer is core's, as it is: 200 `{ ticket, expiresAt }`, 401, 403, 429, 500, 503; always
 * `Cache-Control: no-store`. A body the route does not take (a form, broken JSON) is answered
 * 400/415 without a stack.
 */
export async function registerTicketRoute(
  fastify: FastifyInstance,
  gate: WsGate<WsGateClaims>,
  route: NonNullable<WsGatePluginConfig['ticketRoute']>,
): Promise<void> {
  await fastify.register(async function wsgateTicketRoute(child) {
    // Its 429 reaches the error handler below, which answers core's RATE_LIMITED.
    await child.register(fastifyRateLimit, { ...route.rateLimitStore, global: false });
    const perSession =
      route.perSession === false
        ? undefined
        : child.createRateLimit({
            ...rateLimitOf(route.perSession),
            keyGenerator: (request) => (request as KeyedRequest)[kSessionKey] ?? '',
          });
    const limiterFor = (request: FastifyRequest): RequestRateLimiter | undefined =>
      perSession === undefined
        ? undefined
        : {
            async consume(key) {
              (request as KeyedRequest)[kSessionKey] = key;
              const decision = await perSession(request);
              // `isAllowed` means "on the allow list"; the count decides through `isExceeded`.
              return decision.isAllowed || !decision.isExceeded
                ? { allowed: true, retryAfterMs: 0 }
                : { allowed: false, retryAfterMs: decision.ttl };
            },
          };

    child.setErrorHandler((error: { statusCode?: number }, request, reply) => {
      const answer = gate.answerFailedTicketRequest(error.statusCode, error);
      writeAuditEvent(request.log, answer.audit);
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    });
    child.post(
      route.path,
      { config: { rateLimit: route.perAddress === false ? false : rateLimitOf(route.perAddress) } },
      async (request: FastifyRequest, reply: FastifyReply) => {
        const answer = await gate.answerTicketRequest(
          handshakeRequestFrom(request.raw),
          () => route.authenticate(request),
          { perSession: limiterFor(request) },
        );
        writeAuditEvent(request.log, answer.audit);
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      },
    );
  });
}
