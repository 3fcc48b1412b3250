// Type-level checks of the public generics (checked by `tsc -p tsconfig.json`; no-ops at run time).
import type { DynamicModule } from '@nestjs/common';
import type { IssueForRequestResult, Principal } from '@wsgate/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  getWsPrincipal,
  TicketService,
  WsGateModule,
  type TicketSubject,
  type WsGateModuleOptions,
  type WsGateTicketRouteOptions,
} from '../src/index.js';

// A type alias, not an interface: claims must be a record (`TicketClaims`), which interfaces are not.
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
type AppClaims = { readonly roles: string[]; readonly tenant: string };

interface AppRequest {
  readonly cookies: Record<string, string>;
}

describe('public generics', () => {
  it('getWsPrincipal carries the claims type', () => {
    expectTypeOf(getWsPrincipal<AppClaims>({})).toEqualTypeOf<Principal<AppClaims> | undefined>();
    expectTypeOf(getWsPrincipal({})).toEqualTypeOf<Principal | undefined>();
  });

  it('forRoot infers the request type of ticketRoute.authenticate', () => {
    const options: WsGateModuleOptions<AppClaims, AppRequest> = {
      origins: { allow: ['https://app.example'] },
      ticketRoute: {
        authenticate: (request) => {
          expectTypeOf(request).toEqualTypeOf<AppRequest>();
          return { subject: request.cookies['user'] ?? '', claims: { roles: [], tenant: 't' } };
        },
      },
    };
    expectTypeOf(WsGateModule.forRoot(options)).toEqualTypeOf<DynamicModule>();
    expectTypeOf<WsGateTicketRouteOptions<AppRequest, AppClaims>['authenticate']>().returns.toMatchTypeOf<
      TicketSubject<AppClaims> | null | undefined | Promise<TicketSubject<AppClaims> | null | undefined>
    >();
  });

  it('TicketService.issueForRequest takes the claims type and returns the core result', () => {
    type Issue = TicketService<AppClaims>['issueForRequest'];
    expectTypeOf<Parameters<Issue>[1]>().toEqualTypeOf<TicketSubject<AppClaims>>();
    expectTypeOf<ReturnType<Issue>>().toEqualTypeOf<Promise<IssueForRequestResult>>();
  });
});
