import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { SessionStoreUnavailableError } from './redis-sessions.js';

/**
 * The session store is out of reach (Redis down or too slow): any HTTP route — login, logout,
 * the ticket route's authentication — answers 503 `{"error":"SERVICE_UNAVAILABLE"}`, and the
 * process keeps serving. Logs the cause at `warn` (a Redis error message: never a token).
 */
@Catch(SessionStoreUnavailableError)
export class ServiceUnavailableFilter implements ExceptionFilter<SessionStoreUnavailableError> {
  private readonly logger = new Logger('Sessions');

  catch(error: SessionStoreUnavailableError, host: ArgumentsHost): void {
    const cause = error.cause instanceof Error ? error.cause.message : 'unknown cause';
    this.logger.warn(`request refused with 503: ${error.message} (${cause})`);
    if (host.getType() !== 'http') return;
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    response.status(503).set('Cache-Control', 'no-store').json({ error: 'SERVICE_UNAVAILABLE' });
  }
}
