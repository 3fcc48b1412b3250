// Stand-in for the application's own session lookup, so that the README examples type-check.
// It is not part of the package.
import type { IncomingHttpHeaders } from 'node:http';

/** The user behind an HTTP request's session. */
export interface SessionUser {
  id: string;
  sessionId: string;
  roles: string[];
}

/** Your session lookup (cookie, bearer token...): the logged-in user, or `undefined`. */
export declare function sessionUser(request: {
  headers: IncomingHttpHeaders;
}): Promise<SessionUser | undefined>;
