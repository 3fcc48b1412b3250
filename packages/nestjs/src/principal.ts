import type { Principal, TicketClaims } from '@wsgate/core';

/**
 * The principal lives on the socket under a registered symbol: unlike a module-level WeakMap,
 * it survives loading this package twice (its ESM and CJS builds in one process).
 */
const PRINCIPAL = Symbol.for('@wsgate/nestjs:principal');

/** @internal Attaches the ticket principal to an accepted socket (once; read-only afterwards). */
export function attachPrincipal(client: object, principal: Principal): void {
  Object.defineProperty(client, PRINCIPAL, {
    value: Object.freeze({ ...principal }),
    enumerable: false,
    writable: false,
    configurable: false,
  });
}

/**
 * The principal of the ticket that opened `client` (a socket accepted by `WsGateAdapter`), or
 * `undefined` for anything else. Use it where param decorators do not run, e.g. in
 * `handleConnection`.
 *
 * @example
 * handleConnection(client: WebSocket) {
 *   const principal = getWsPrincipal(client);
 *   client.send(JSON.stringify({ type: 'welcome', user: principal?.subject }));
 * }
 */
export function getWsPrincipal<TClaims extends TicketClaims = TicketClaims>(
  client: unknown,
): Principal<TClaims> | undefined {
  if (client === null || typeof client !== 'object') return undefined;
  const principal: unknown = (client as Record<symbol, unknown>)[PRINCIPAL];
  return principal === undefined ? undefined : (principal as Principal<TClaims>);
}

/** Roles of a principal: `claims.roles` when it is an array, its string entries only. */
export function rolesOf(principal: Pick<Principal, 'claims'>): string[] {
  const roles = principal.claims['roles'];
  return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : [];
}
