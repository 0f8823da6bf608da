import pino, { type Logger } from 'pino';

/**
 * Keys that may hold personal data anywhere in a logged object. Logs must never carry an email, name,
 * address, phone or IP (P1, P4); code should not log such values at all — this is the safety net.
 */
const PII_KEYS = [
  'email', 'emails', 'first_name', 'last_name', 'firstName', 'lastName', 'name', 'company', 'phone',
  'address_1', 'address_2', 'address1', 'address2', 'city', 'postcode', 'billing', 'shipping',
  'customer_ip_address', 'ipAddress', 'ip', 'remoteAddress', 'customer_user_agent', 'body', 'payload', 'rawBody',
];

export const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-wc-webhook-signature"]',
  'req.headers["x-forwarded-for"]',
  'req.remoteAddress',
  ...PII_KEYS,
  ...PII_KEYS.map((k) => `*.${k}`),
  ...PII_KEYS.map((k) => `*.*.${k}`),
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { service: 'woo-companion' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: safeError, req: requestSerializer, res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }) },
    },
    destination,
  );
}

/**
 * Request log line: method, matched route pattern, request id. Never the raw URL: a client may put personal
 * data in the query (?email=) or the path (/api/customers/ann@…). No IP, no headers.
 */
export function requestSerializer(req: { id: string; method: string; routeOptions?: { url?: string } }) {
  return { reqId: req.id, method: req.method, route: req.routeOptions?.url ?? '(no route)' };
}

/** Marks an already-safe error object (a symbol key: never serialized). */
const SAFE = Symbol('safeError');

/**
 * Error messages may quote data (a Postgres "Key (email)=(…)" detail, a JSON snippet), so only the type,
 * the code and the stack frames are logged, never the message line.
 */
export function safeError(err: unknown): Record<string, unknown> {
  // Callers pass safeError(err) under `err`, where the serializer applies it again: keep the first result.
  if (typeof err === 'object' && err !== null && SAFE in err) return err as Record<string, unknown>;
  // Duck-typed rather than instanceof: errors from other realms (vm contexts, test runners) are still errors.
  if (typeof err !== 'object' || err === null || !('stack' in err)) return { type: typeof err };
  const e = err as Error & { code?: unknown; safeMessage?: string };
  return {
    type: e.constructor?.name ?? 'Error',
    code: typeof e.code === 'string' ? e.code : undefined,
    message: e.safeMessage,
    stack: e.stack?.split('\n').slice(1, 8).join('\n'),
    [SAFE]: true,
  };
}
