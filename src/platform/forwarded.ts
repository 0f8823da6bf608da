import type { IncomingHttpHeaders } from 'node:http';

/**
 * The first value of a reverse proxy's X-Forwarded-* header (the one the client-facing proxy set; later proxies
 * append), trimmed; undefined when absent or empty.
 */
export function forwarded(headers: IncomingHttpHeaders, name: 'proto' | 'host'): string | undefined {
  const v = headers[`x-forwarded-${name}`];
  return (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim() || undefined;
}
