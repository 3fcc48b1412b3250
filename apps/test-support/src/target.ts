// What the HTTP and WebSocket helpers need to reach a running server.

/** Kinds of values that must never appear in a server's logs. */
export type SecretKind = 'ticket' | 'session id' | 'password';

/** A running server the helpers talk to (a sample process). */
export interface Target {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT` or `https://…` when the sample serves TLS. */
  readonly httpBase: string;
  /** `ws://127.0.0.1:PORT` or `wss://…`. */
  readonly wsBase: string;
  /** PEM of the CA to trust for TLS, if the sample serves TLS. */
  readonly ca: string | undefined;
  /** Records a value that must never appear in this server's logs. */
  remember(value: string, kind: SecretKind): void;
}
