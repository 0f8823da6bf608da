import pino, { type Bindings, type ChildLoggerOptions, type Logger } from 'pino';
import type { FastifyBaseLogger } from 'fastify';

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

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogCall = (...args: unknown[]) => void;

/**
 * A request's child logger that pino only builds when the request logs at an enabled level. pino's child() runs the
 * redaction above over the request-id binding on every request (~5 % of a webhook request's CPU in the intake
 * profile), while a healthy delivery logs nothing at `warn`. Once it logs, it is pino's own child: same bindings,
 * same redaction, same output. For Fastify's `childLoggerFactory` route option.
 */
export function lazyRequestLogger(parent: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions): FastifyBaseLogger {
  const p = parent as Partial<Logger>;
  // Laziness needs the parent's level to stand for the child's: a route with its own level or serializers gets pino's child.
  if (typeof p.isLevelEnabled !== 'function' || (opts.level !== undefined && opts.level !== parent.level) || opts.serializers) {
    return parent.child(bindings, opts);
  }
  return new LazyChildLogger(parent as Logger, bindings, opts);
}

class LazyChildLogger implements FastifyBaseLogger {
  #real: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.#real?.level ?? this.parent.level;
  }
  set level(level: string) {
    this.real().level = level;
  }
  fatal(...args: unknown[]): void { this.log('fatal', args); }
  error(...args: unknown[]): void { this.log('error', args); }
  warn(...args: unknown[]): void { this.log('warn', args); }
  info(...args: unknown[]): void { this.log('info', args); }
  debug(...args: unknown[]): void { this.log('debug', args); }
  trace(...args: unknown[]): void { this.log('trace', args); }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }

  private real(): FastifyBaseLogger {
    this.#real ??= this.parent.child(this.bindings, this.opts);
    return this.#real;
  }
  private log(level: Level, args: unknown[]): void {
    if (this.#real === null && !this.parent.isLevelEnabled(level)) return;
    const real = this.real();
    (real[level] as LogCall).apply(real, args);
  }
}
