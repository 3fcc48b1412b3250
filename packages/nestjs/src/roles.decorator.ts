import { SetMetadata, type CustomDecorator } from '@nestjs/common';
import type { ClaimRequirement } from '@wsgate/core';

/** Metadata key of {@link Roles}. */
export const WSGATE_ROLES_KEY = 'wsgate:roles';
/** Metadata key of {@link RequireClaims}. */
export const WSGATE_CLAIMS_KEY = 'wsgate:claims';

/**
 * Requires the ticket principal to hold at least one of `roles` (read from
 * `principal.claims.roles`), checked by `WsAuthGuard`. On a handler or a gateway class; the
 * handler's list wins over the class's. Refused messages get a `FORBIDDEN` error frame.
 *
 * @example
 * @Roles('admin')
 * @SubscribeMessage('announce')
 * announce(@MessageBody() message: AnnounceDto) {}
 */
export function Roles(...roles: string[]): CustomDecorator<string> {
  return SetMetadata(WSGATE_ROLES_KEY, Object.freeze([...roles]));
}

/**
 * Requires claims of the ticket principal, checked by `WsAuthGuard`: every listed claim must
 * equal the given value (or satisfy the predicate). Handler metadata wins over the class's.
 *
 * @example
 * @RequireClaims({ tenant: 'acme', plan: (plan) => plan === 'pro' || plan === 'team' })
 */
export function RequireClaims(claims: Readonly<Record<string, ClaimRequirement>>): CustomDecorator<string> {
  return SetMetadata(WSGATE_CLAIMS_KEY, Object.freeze({ ...claims }));
}
