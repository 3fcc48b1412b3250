import type { AuditEvents } from './audit-events.js';
import type { EnvelopeCodec } from './envelope-codecs.js';
import {
  createFrameChecker,
  type FrameChecker,
  type RawFrame,
  type ResolvedFrameLimits,
} from './frame-check.js';
import {
  MessageRejection,
  messageErrorOfFault,
  runMessageHandler,
  type HandlerOutcome,
} from './message-handler.js';
import { closeWhenSettled } from './close-flush.js';
import { isThenable } from './thenable.js';
import type { MessageError } from './message-errors.js';
import type { ConnectionRouter, MessageRoute, RouterConnection, RouteResolution } from './message-router.js';
import type { Principal } from './ticket-service.js';

/** What every connection of one router shares: built once, per router. */
export interface RouterCore<Ctx> {
  readonly codec: EnvelopeCodec;
  readonly audit: AuditEvents;
  readonly limits: ResolvedFrameLimits;
  /** How long a close waits for replies of messages already being handled, ms. */
  readonly closeFlushMs: number;
  resolve(name: string, payload: unknown, principal: Pick<Principal, 'claims'>): RouteResolution<Ctx>;
  encodeError(error: MessageError): string;
}

/**
 * The frames of one connection, routed: checked (size, rate, JSON), decoded by the envelope,
 * validated, authorized and handed to their handler; refusals answered and audited. One object
 * per connection (its token bucket, the replies still being computed, whether it is closing).
 */
export class RoutedConnection<Ctx> implements ConnectionRouter {
  readonly #core: RouterCore<Ctx>;
  readonly #connection: RouterConnection<Ctx>;
  readonly #frames: FrameChecker;
  /** Replies of asynchronous handlers still being computed (created with the first one). */
  #pending: Set<PromiseLike<unknown>> | undefined;
  #closing = false;

  constructor(core: RouterCore<Ctx>, connection: RouterConnection<Ctx>) {
    this.#core = core;
    this.#connection = connection;
    this.#frames = createFrameChecker(core.limits);
  }

  get closing(): boolean {
    return this.#closing;
  }

  receive(data: RawFrame, isBinary: boolean): void {
    if (this.#closing) return;
    const { codec, audit } = this.#core;
    const checked = this.#frames.check(data, isBinary);
    if (!checked.ok) {
      if (checked.action === 'reply') {
        this.#refuse(checked.error);
        return;
      }
      this.#connection.report(audit.messageRefused(checked.closeCode, this.#connection.principal));
      this.#closeAfterPending(checked.closeCode, checked.reason);
      return;
    }
    const decoded = codec.decode(checked.value);
    if (!decoded.ok) {
      this.#refuse(decoded.error);
      return;
    }
    const resolution = this.#core.resolve(decoded.name, decoded.payload, this.#connection.principal);
    if (!resolution.ok) {
      if (resolution.cause !== undefined) this.#fail(resolution.cause, decoded.name);
      else this.#refuse(resolution.error);
      return;
    }
    this.#dispatch(resolution.route, resolution.payload, decoded.name);
  }

  #sendError(error: MessageError): void {
    this.#connection.send(this.#core.encodeError(error));
  }

  #refuse(error: MessageError): void {
    this.#connection.report(this.#core.audit.messageRefused(error.code, this.#connection.principal));
    this.#sendError(error);
  }

  #fail(cause: unknown, name: string): void {
    if (cause instanceof MessageRejection) {
      this.#refuse(cause.error);
      return;
    }
    this.#connection.report(this.#core.audit.handlerFailed(cause, name));
    this.#sendError(messageErrorOfFault(cause));
  }

  #reply(value: unknown, name: string): void {
    if (value === undefined || this.#closing) return;
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch (cause) {
      this.#fail(cause, name);
      return;
    }
    this.#connection.send(text);
  }

  #answer(outcome: HandlerOutcome, name: string): void {
    if (outcome.kind === 'value') this.#reply(outcome.value, name);
    else if (outcome.kind === 'rejected') this.#refuse(outcome.error);
    else {
      this.#connection.report(this.#core.audit.handlerFailed(outcome.cause, name));
      this.#sendError(outcome.error);
    }
  }

  #dispatch(route: MessageRoute<unknown, Ctx>, payload: unknown, name: string): void {
    const outcome = runMessageHandler(route, payload, this.#connection.context);
    if (!isThenable(outcome)) {
      this.#answer(outcome, name);
      return;
    }
    // Replies are dropped once closing (#reply checks it); so are late failures.
    const settled = outcome.then((late) => {
      if (late.kind === 'value' || !this.#closing) this.#answer(late, name);
    });
    const pending = (this.#pending ??= new Set());
    pending.add(settled);
    void settled.finally(() => pending.delete(settled));
  }

  /** Closes once the replies of messages already being handled are out (bounded wait). */
  #closeAfterPending(code: number, reason: string): void {
    this.#closing = true;
    closeWhenSettled([...(this.#pending ?? [])], this.#core.closeFlushMs, () =>
      this.#connection.close(code, reason),
    );
  }
}
