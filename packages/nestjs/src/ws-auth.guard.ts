import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  holdsAnyRole,
  MESSAGE_ERRORS,
  reportSocketRefusal,
  rolesOf,
  satisfiesClaims,
  type ClaimRequirement,
  type Principal,
} from '@wsgate/core';
import { WsGateMessageException } from './errors.js';
import { WSGATE_CLAIMS_KEY, WSGATE_ROLES_KEY } from './roles.decorator.js';
import { getWsPrincipal } from './socket-state.js';

/**
 * Per-message authorization for gateways served by `WsGateAdapter`: requires the ticket
 * principal on the socket, then the `@Roles(...)` and `@RequireClaims(...)` metadata of the
 * handler (or, without it, of the gateway class). A refusal becomes an error frame
 * (`UNAUTHENTICATED` / `FORBIDDEN`) and the socket stays open.
 *
 * It only authorizes WebSocket contexts: anywhere else it refuses (fail closed). Subclass it
 * and override the `protected` hooks to read roles elsewhere or change the rules.
 *
 * @example
 * @UseGuards(WsAuthGuard)
 * @WebSocketGateway({ path: '/ws' })
 * export class ChatGateway {
 *   @Roles('admin') @SubscribeMessage('announce') announce() {}
 * }
 */
@Injectable()
export class WsAuthGuard implements CanActivate {
  constructor(protected readonly reflector: Reflector) {}

  /** Runs the checks; throws a `WsGateMessageException` on refusal. */
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'ws') return this.canActivateOther(context);
    const principal = this.getPrincipal(context);
    if (principal === undefined) return this.deny(context, 'UNAUTHENTICATED');
    const roles = this.requiredRoles(context);
    if (roles !== undefined && roles.length > 0 && !this.hasRole(principal, roles))
      return this.deny(context, 'FORBIDDEN');
    const claims = this.requiredClaims(context);
    if (claims !== undefined && !this.hasClaims(principal, claims)) return this.deny(context, 'FORBIDDEN');
    return true;
  }

  /** Decision for non-WebSocket contexts. @default false (fail closed) */
  protected canActivateOther(_context: ExecutionContext): boolean {
    return false;
  }

  /** The principal of the message's socket. */
  protected getPrincipal(context: ExecutionContext): Principal | undefined {
    return getWsPrincipal(context.switchToWs().getClient<unknown>());
  }

  /** `@Roles` metadata: the handler's, else the class's. */
  protected requiredRoles(context: ExecutionContext): readonly string[] | undefined {
    return this.reflector.getAllAndOverride<readonly string[] | undefined>(WSGATE_ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
  }

  /** `@RequireClaims` metadata: the handler's, else the class's. */
  protected requiredClaims(
    context: ExecutionContext,
  ): Readonly<Record<string, ClaimRequirement>> | undefined {
    return this.reflector.getAllAndOverride<Readonly<Record<string, ClaimRequirement>> | undefined>(
      WSGATE_CLAIMS_KEY,
      [context.getHandler(), context.getClass()],
    );
  }

  /** The principal's roles. @default `principal.claims.roles` (string entries) */
  protected rolesOf(principal: Principal): readonly string[] {
    return rolesOf(principal);
  }

  /** Whether the principal holds at least one of `roles` (core's rule, as on every adapter). */
  protected hasRole(principal: Principal, roles: readonly string[]): boolean {
    return holdsAnyRole(this.rolesOf(principal), roles);
  }

  /** Whether every required claim matches (core's rule, as on every adapter). */
  protected hasClaims(principal: Principal, claims: Readonly<Record<string, ClaimRequirement>>): boolean {
    return satisfiesClaims(principal, claims);
  }

  /**
   * Refuses the message: reports it (`wsgate.message_refused`, counted in
   * `wsgate.messages.refused`, as the adapter's own refusals), then throws.
   * @default throws `WsGateMessageException` with `FORBIDDEN` / `UNAUTHENTICATED`
   */
  protected deny(context: ExecutionContext, code: 'FORBIDDEN' | 'UNAUTHENTICATED'): never {
    const error = code === 'FORBIDDEN' ? MESSAGE_ERRORS.forbidden : MESSAGE_ERRORS.unauthenticated;
    reportSocketRefusal(context.switchToWs().getClient<unknown>(), error);
    throw new WsGateMessageException(error.code, error.message);
  }
}
