import { ProcessorError, type ProcessorId } from './types.js';

/**
 * The HTTP layer every processor client shares (Node's fetch): a timeout per call, and failures normalised into
 * ProcessorError so the push jobs decide retry / fail / look-up-first the same way for every processor.
 * Request and response bodies are never logged or put in error messages (they carry personal data).
 */

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** JSON-serialised when an object; sent as is when a string or URLSearchParams. */
  body?: unknown;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, else the text ('' for no body). */
  body: unknown;
}

/** Retry-After as seconds or an HTTP date → ms; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Sends one request. Network errors and timeouts become ProcessorError: `retryable` for a GET (or anything that
 * certainly did not reach the server: connection refused), `ambiguous` for a POST/PUT/DELETE that may have landed.
 * HTTP error statuses are returned, not thrown: the client maps them with `failureOf` after reading its error shape.
 */
export async function send(processor: ProcessorId, req: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | URLSearchParams | undefined;
  if (req.body instanceof URLSearchParams || typeof req.body === 'string') body = req.body;
  else if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] ??= 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(req.timeoutMs) });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { name?: string }).name ?? 'network_error';
    const neverSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
    const kind = req.method === 'GET' || neverSent ? 'retryable' : 'ambiguous';
    const what = code === 'TimeoutError' ? `no answer within ${req.timeoutMs} ms` : `network error (${code})`;
    throw new ProcessorError(processor, kind, null, code === 'TimeoutError' ? 'timeout' : 'network_error', what);
  }
  const text = await res.text().catch(() => '');
  let parsed: unknown = text;
  if (text && (res.headers.get('content-type') ?? '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** The kind of failure an HTTP status means (401 handling — refresh once — is the client's job before this). */
export function failureOf(processor: ProcessorId, res: HttpResponse, code: string, message: string): ProcessorError {
  const s = res.status;
  if (s === 429) return new ProcessorError(processor, 'rate_limited', s, code, message, retryAfterMs(res.headers.get('retry-after')));
  if (s >= 500 || s === 408) return new ProcessorError(processor, 'retryable', s, code, message, retryAfterMs(res.headers.get('retry-after')));
  if (s === 401) return new ProcessorError(processor, 'auth', s, code, message);
  return new ProcessorError(processor, 'permanent', s, code, message);
}
