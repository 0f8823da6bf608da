import type { IncomingHttpHeaders } from 'node:http';
import { forwarded } from '../platform/forwarded.js';

/**
 * Was a state-changing request sent by a page of this site? Asked only of requests signed in by the session cookie:
 * a browser attaches that cookie by itself, a bearer token it never does. SameSite=Strict already keeps the cookie off
 * cross-site requests; this is the second lock for the job dashboard, whose own calls carry no CSRF token (the desk's
 * forms do). Current browsers send Sec-Fetch-Site on every request; an older one (Safari < 16.4) sends Origin on its
 * posts, which must then name this host — as the proxy forwarded it (X-Forwarded-Host), else the Host header.
 */
export function fromThisSite(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = headers.origin;
  const host = forwarded(headers, 'host') ?? headers.host;
  if (typeof origin !== 'string' || !host) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false; // "null" (sandboxed or privacy-sensitive contexts) and anything malformed
  }
}
