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

/** Fastify's body errors in this service's snake_case codes, with a message that says what to send instead. */
const FASTIFY_ERRORS: Record<string, [code: string, message: string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'the body is too large for this route'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'send the body as JSON with the header content-type: application/json'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'the body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'the body is empty but content-type says JSON; send a JSON object, or no content-type'],
};

/**
 * Fastify's own client errors (body too large, bad media type, malformed URL…) keep their 4xx status; their FST_ERR_*
 * codes, internal names a client cannot act on, become ours.
 */
function clientErrorOf(err: FastifyError): AppError | null {
  const status = err.statusCode ?? 500;
  if (status < 400 || status >= 500) return null;
  const mapped = err.code ? FASTIFY_ERRORS[err.code] : undefined;
  if (mapped) return new AppError(status, mapped[0], mapped[1]);
  if (err.code && !err.code.startsWith('FST_')) return new AppError(status, err.code, err.message);
  return new AppError(status, status === 429 ? 'too_many_requests' : 'bad_request', err.message); // rate-limit's 429 has no code
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

/** The error as one a client caused and may be shown (ours, Fastify's 4xx, unstorable text), or null: ours to log. */
export function asClientError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (!(err instanceof Error)) return null;
  return clientErrorOf(err as FastifyError) ?? unstorableTextOf(err as FastifyError);
}

/** One JSON error shape for every route: {error, message, reqId}; a 5xx never echoes internal detail. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const known = asClientError(err);
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
