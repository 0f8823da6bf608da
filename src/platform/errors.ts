import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** An error whose message is safe to show a client: it never carries personal data. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** Read by the logger: this message was written to be shown, so it may be logged too. */
  get safeMessage(): string {
    return this.message;
  }
}

export const badRequest = (message: string, code = 'bad_request') => new AppError(400, code, message);
export const notFound = (message: string) => new AppError(404, 'not_found', message);

/** Fastify's own client errors (body too large, bad media type, malformed URL…) keep their 4xx status. */
function clientErrorOf(err: FastifyError): AppError | null {
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new AppError(status, err.code ?? 'bad_request', err.message);
  return null;
}

/**
 * Text Postgres cannot store (U+0000, or bytes invalid in UTF-8) reaches it only from a client's input: the statement
 * failed and its transaction rolled back, so it is the client's 400, not our 500.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);
function unstorableTextOf(err: FastifyError): AppError | null {
  return UNSTORABLE_TEXT.has(String(err.code)) && !err.statusCode
    ? new AppError(400, 'invalid_input', 'the input contains a character that cannot be stored (such as U+0000)')
    : null;
}

/** One JSON error shape for every route: {error, message, reqId}; a 5xx never echoes internal detail. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const known = err instanceof AppError ? err : clientErrorOf(err) ?? unstorableTextOf(err);
    if (known) {
      return reply.status(known.statusCode).send({ error: known.code, message: known.message, reqId: req.id });
    }
    req.log.error({ err: { type: err.name, code: err.code, stack: err.stack } }, 'unhandled error');
    return reply.status(500).send({ error: 'internal_error', message: 'internal error', reqId: req.id });
  });
  app.setNotFoundHandler(notFoundRoute);
}

export function notFoundRoute(req: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`, reqId: req.id });
}
