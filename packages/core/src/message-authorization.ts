import type { Principal } from './ticket-service.js';

/** A required claim: the exact value (compared with `===`), or a predicate of the claim's value. */
export type ClaimRequirement = string | number | boolean | ((value: unknown) => boolean);

/** Who may send a message: roles (any one of them) and claims (every one of them). */
export interface MessageAccess {
  /** The principal must hold at least one of these roles (`claims.roles`). Empty: no role needed. */
  readonly roles?: readonly string[] | undefined;
  /** Every listed claim must equal the value, or satisfy the predicate. */
  readonly claims?: Readonly<Record<string, ClaimRequirement>> | undefined;
}

/** Roles of a principal: `claims.roles` when it is an array, its string entries only. */
export function rolesOf(principal: Pick<Principal, 'claims'>): string[] {
  const roles = principal.claims['roles'];
  return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : [];
}

/** Whether `held` contains at least one of `required` (any role, when none is required). */
export function holdsAnyRole(held: readonly string[], required: readonly string[] | undefined): boolean {
  return required === undefined || required.length === 0 || required.some((role) => held.includes(role));
}

/** Whether every required claim matches (a throwing predicate does not match). */
export function satisfiesClaims(
  principal: Pick<Principal, 'claims'>,
  required: Readonly<Record<string, ClaimRequirement>> | undefined,
): boolean {
  if (required === undefined) return true;
  return Object.entries(required).every(([name, requirement]) => {
    const value = Object.hasOwn(principal.claims, name) ? principal.claims[name] : undefined;
    if (typeof requirement !== 'function') return value === requirement;
    try {
      return requirement(value) === true;
    } catch {
      return false;
    }
  });
}

/**
 * The per-message authorization every adapter applies (Fastify routes, NestJS `@Roles` /
 * `@RequireClaims`, Socket.IO events): at least one of the roles, and every claim.
 */
export function isMessageAllowed(principal: Pick<Principal, 'claims'>, access: MessageAccess): boolean {
  return holdsAnyRole(rolesOf(principal), access.roles) && satisfiesClaims(principal, access.claims);
}
