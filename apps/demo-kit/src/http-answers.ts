// The demo's HTTP error bodies, one table for both samples: a short code, never a quote of the
// request line, its headers or its body.

/** An HTTP answer as the kit decides it; the sample's framework writes it. */
export interface HttpAnswer {
  readonly status: number;
  /** JSON body; none for 204. */
  readonly body?: Readonly<Record<string, unknown>>;
}

const ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [400, 'BAD_REQUEST'],
  [401, 'UNAUTHENTICATED'],
  [403, 'FORBIDDEN'],
  [404, 'NOT_FOUND'],
  [405, 'METHOD_NOT_ALLOWED'],
  [413, 'PAYLOAD_TOO_LARGE'],
  [415, 'UNSUPPORTED_MEDIA_TYPE'],
  [429, 'RATE_LIMITED'],
  [503, 'SERVICE_UNAVAILABLE'],
]);

/**
 * The status to answer for a framework error's status: a 4xx stays (so does 503), anything
 * else is 500.
 */
export function errorStatus(status: number | undefined): number {
  return status !== undefined && ((status >= 400 && status < 500) || status === 503) ? status : 500;
}

/** The answer to an error with this status: `{"error":"<CODE>"}` (other 4xx: `BAD_REQUEST`, 5xx: `INTERNAL_ERROR`). */
export function errorAnswer(status: number | undefined): HttpAnswer & { readonly body: { error: string } } {
  const answered = errorStatus(status);
  const code = ERROR_CODES.get(answered) ?? (answered < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR');
  return { status: answered, body: { error: code } };
}

/** Whether a `Content-Type` header is `application/json` (parameters such as `charset` allowed). */
export function isJsonContentType(header: string | undefined): boolean {
  return header?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}
