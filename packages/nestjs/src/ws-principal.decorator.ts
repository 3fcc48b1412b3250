import { createParamDecorator, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import { MESSAGE_ERRORS, type Principal } from '@wsgate/core';
import { WsGateMessageException } from './errors.js';
import { getWsPrincipal } from './socket-state.js';

function principalFactory(key: keyof Principal | undefined, context: ExecutionContext): unknown {
  const principal = getWsPrincipal(context.switchToWs().getClient<unknown>());
  if (principal === undefined)
    throw new WsGateMessageException(
      MESSAGE_ERRORS.unauthenticated.code,
      MESSAGE_ERRORS.unauthenticated.message,
    );
  return key === undefined ? principal : principal[key];
}

/**
 * Parameter decorator: the principal of the ticket that opened the socket (identity comes only
 * from the ticket, never from the message), or one of its fields. A socket without a principal
 * (not accepted by `WsGateAdapter`) gets an `UNAUTHENTICATED` error frame.
 *
 * @example
 * @SubscribeMessage('whoami')
 * whoami(@WsPrincipal() principal: Principal) { return { type: 'whoami', user: principal.subject }; }
 *
 * @SubscribeMessage('ping')
 * ping(@WsPrincipal('subject') user: string) {}
 */
export const WsPrincipal: (
  ...dataOrPipes: (keyof Principal | Type<PipeTransform> | PipeTransform)[]
) => ParameterDecorator = createParamDecorator<keyof Principal | undefined, unknown>(principalFactory);
