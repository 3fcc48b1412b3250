import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { describeError, errorAnswer, type HttpAnswer } from 'demo-kit';
import type { Response } from 'express';

/** A body the app built itself: exactly `{"error":"<CODE>"}`. */
function isOwnBody(body: unknown): body is { error: string } {
  return (
    body !== null &&
    typeof body === 'object' &&
    Object.keys(body).length === 1 &&
    typeof (body as { error?: unknown }).error === 'string'
  );
}

function statusOf(exception: unknown): number | undefined {
  if (exception === null || typeof exception !== 'object') return undefined;
  const { statusCode, status } = exception as { statusCode?: unknown; status?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof status === 'number' ? status : undefined;
}

function answerFor(exception: unknown): HttpAnswer {
  if (exception instanceof HttpException) {
    const body = exception.getResponse();
    return isOwnBody(body) ? { status: exception.getStatus(), body } : errorAnswer(exception.getStatus());
  }
  // A store outage (WsGateError with statusCode 503), a body-parser error (status 400, 413, ...).
  return errorAnswer(statusOf(exception));
}

/**
 * Every HTTP error in the protocol's shape, `{"error":"<CODE>"}`: never Nest's default body,
 * which quotes the request line (`Cannot GET /ws?ticket=…`) or pieces of a malformed JSON body.
 * A 503 (session store out of reach) is logged at `warn`, a 500 at `error`, neither with request data.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = answerFor(exception);
    if (status === 503) this.logger.warn(`request refused with 503: ${describeError(exception)}`);
    if (status === 500) this.logger.error(`request failed: ${describeError(exception)}`);
    if (response.headersSent) return;
    response.status(status).set('Cache-Control', 'no-store').json(body);
  }
}
