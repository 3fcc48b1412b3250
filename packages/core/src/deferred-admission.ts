import type { IncomingMessage } from 'node:http';
import type { AdmittedConnection, OpenWebSocketOptions, ServedWebSocket } from './admission.js';
import { handshakeRequestFrom } from './handshake-request.js';
import type { TicketClaims } from './ticket-store.js';
import type { RefusalAnswer } from './upgrade-decision.js';
import type { UpgradeInterception } from './upgrade-interception.js';
import type { UpgradeAcceptance, WsGate } from './wsgate.js';

/** What the HTTP hook decided about an upgrade, kept for its socket: admit it, or close it with a code. */
type UpgradeDecision<TClaims extends TicketClaims> =
  UpgradeAcceptance<TClaims> | Extract<RefusalAnswer, { kind: 'close' }>;

/** An upgrade admitted at its socket: the connection, and the acceptance it was admitted on. */
export interface AdmittedUpgrade<TClaims extends TicketClaims = TicketClaims> {
  /** The admitted connection: registered, supervised, its principal following the session re-check. */
  readonly admitted: AdmittedConnection<TClaims>;
  /** What the hook accepted: principal, client address, Origin, subprotocol. */
  readonly acceptance: UpgradeAcceptance<TClaims>;
}

/**
 * The upgrade of an adapter whose framework runs its HTTP hooks on an upgrade request before its
 * WebSocket library opens the socket (Fastify's `onRequest`, then @fastify/websocket): the
 * decision is made at the hook, before any socket exists, and applied once the socket does.
 */
export interface DeferredAdmission<TClaims extends TicketClaims = TicketClaims> {
  /**
   * At the HTTP hook: authorizes the upgrade with what the interception read on its arrival.
   * `undefined` when accepted (the connection slot is held until the socket is admitted, and
   * given back if it never is); else the refusal's answer, with its audit event: write an `http`
   * one as the response; a `close` one (`close-frame` mode) is applied by `open`. Never rejects.
   */
  authorize(request: IncomingMessage): Promise<RefusalAnswer | undefined>;
  /** The subprotocol to select for an upgrade the hook accepted (`ws`'s `handleProtocols`). */
  selectProtocol(offered: Set<string>, request: IncomingMessage): string | false;
  /**
   * At the socket: admits it as `gate.openWebSocket` does, or closes it with the refusal's code
   * (then, or when no decision was made, `undefined`). The decision is forgotten: nothing of it
   * stays with the socket.
   */
  open<Ctx>(
    request: IncomingMessage,
    socket: ServedWebSocket,
    options: OpenWebSocketOptions<Ctx, TClaims>,
  ): AdmittedUpgrade<TClaims> | undefined;
}

/**
 * Builds the deferred admission of one adapter registration, over the interception of its HTTP
 * server's upgrades (see {@link interceptUpgrades}).
 */
export function deferAdmission<TClaims extends TicketClaims>(
  gate: WsGate<TClaims>,
  interception: UpgradeInterception,
): DeferredAdmission<TClaims> {
  // Beside the request, not on it: a property added to the request would stay in its property
  // storage for the connection's whole life.
  const decisions = new WeakMap<IncomingMessage, UpgradeDecision<TClaims>>();
  return Object.freeze({
    async authorize(request: IncomingMessage): Promise<RefusalAnswer | undefined> {
      // The request was redacted on arrival: authorize with what was read from it then.
      const result = await gate.authorizeUpgrade(handshakeRequestFrom(request), {
        inspection: interception.inspectionOf(request),
      });
      if (result.ok) {
        decisions.set(request, result);
        // Client gone before the upgrade completed: give the connection slot back at once.
        interception.holdUntilUpgraded(request, result.reservation);
        return undefined;
      }
      const answer = gate.answerRefusal(result);
      if (answer.kind === 'close') decisions.set(request, answer);
      return answer;
    },
    selectProtocol(offered: Set<string>, request: IncomingMessage): string | false {
      const decision = decisions.get(request);
      return gate.selectSubprotocol(
        offered,
        decision !== undefined && 'ok' in decision ? decision.protocol : undefined,
      );
    },
    open<Ctx>(
      request: IncomingMessage,
      socket: ServedWebSocket,
      options: OpenWebSocketOptions<Ctx, TClaims>,
    ): AdmittedUpgrade<TClaims> | undefined {
      const decision = decisions.get(request);
      decisions.delete(request);
      if (decision !== undefined && 'ok' in decision)
        return { admitted: gate.openWebSocket(decision, socket, options), acceptance: decision };
      // Refused in close-frame mode: the socket learns why. No decision at all: fail closed.
      if (decision === undefined) socket.terminate();
      else socket.close(decision.closeCode, decision.reason);
      return undefined;
    },
  });
}
