// What the demo needs of a session store: memory (one instance) or Redis (shared by instances).
import type { DemoUser } from './demo-users.js';

/** A live login session. Its cookie token is never stored, only {@link Session.id}. */
export interface Session {
  /** `sessionIdOf(token)`: tickets, socket revocation and the per-session ticket limit use it. */
  readonly id: string;
  readonly user: DemoUser;
  /** Epoch ms of the login. */
  readonly createdAt: number;
}

/** A session just started: its cookie token (sent once, never stored) and who lost a session for it. */
export interface CreatedSession {
  readonly token: string;
  readonly session: Session;
  /** Ids of the same user's sessions that this login ended (beyond `SESSIONS_PER_USER`), oldest first. */
  readonly evicted: readonly string[];
}

/**
 * Where sessions live. Every method is async and may reject with `SessionStoreUnavailableError`
 * (answered 503) when the store is out of reach; none ever waits longer than the store's
 * command deadline.
 *
 * Lifetimes: a session ends `idleMs` after it was last used (created, or found by `byToken`)
 * and at the latest `maxAgeMs` after it was created. A user has at most `perUser` sessions:
 * `create` ends that user's oldest ones (never another user's) and reports them in `evicted`.
 */
export interface SessionStore {
  /** Starts a new session for `user` (never reuses one: no session fixation). */
  create(user: DemoUser): Promise<CreatedSession>;
  /** The live session of a cookie token, which counts as a use (the idle deadline moves). */
  byToken(token: string): Promise<Session | undefined>;
  /**
   * The user of the live session with this id, as the session holds it now (its roles may have
   * changed since the login), or `undefined` once it ended. Checked on every upgrade and
   * periodically on open sockets. Not a use.
   */
  activeUser(sessionId: string): Promise<DemoUser | undefined>;
  /** Ends the session of a cookie token (idempotent); resolves with it if it was live. */
  end(token: string): Promise<Session | undefined>;
  /** Stops timers; the store is not used afterwards. */
  close(): void;
}
