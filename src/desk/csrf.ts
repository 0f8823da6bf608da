import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Flash } from './views/layout.js';
import { forwarded } from '../platform/forwarded.js';

/**
 * CSRF and the small cookies of the desk. Desk sessions carry a CSRF token (operator_sessions.csrf_token) that every
 * form echoes in `_csrf`; the sign-in form, before any session exists, uses a double-submit cookie instead. The
 * session cookie is SameSite=Strict too: the token is the second lock, not the only one.
 */

export const LOGIN_CSRF_COOKIE = 'woo_login_csrf';
export const FLASH_COOKIE = 'woo_flash';
export const CSRF_FIELD = '_csrf';

const digest = (v: string) => createHash('sha256').update(v).digest();

/** Constant-time comparison of the expected token with what the form sent (hashing first evens out lengths). */
export function csrfMatches(expected: string | null | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string' || !given) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

/** The token a form sent, from a parsed urlencoded or JSON body. */
export const sentToken = (req: FastifyRequest): unknown => (req.body as Record<string, unknown> | null | undefined)?.[CSRF_FIELD];

/** Did the request reach us over TLS, directly or through a proxy that says so? Decides the cookies' Secure flag. */
export function overTls(req: FastifyRequest): boolean {
  return req.protocol === 'https' || forwarded(req.headers, 'proto')?.toLowerCase() === 'https';
}

export const cookieBase = (req: FastifyRequest, path: string) => ({ httpOnly: true, sameSite: 'strict' as const, secure: overTls(req), path });

/** A fresh pre-session token for the sign-in form, set as a cookie scoped to /desk/login. */
export function issueLoginCsrf(req: FastifyRequest, reply: FastifyReply): string {
  const token = randomBytes(24).toString('base64url');
  reply.setCookie(LOGIN_CSRF_COOKIE, token, { ...cookieBase(req, '/desk/login'), maxAge: 3600 });
  return token;
}

/** A message for the next page after a redirect (Post/Redirect/Get). Escaped where shown; capped in length. */
export function setFlash(req: FastifyRequest, reply: FastifyReply, flash: Flash): void {
  const value = Buffer.from(JSON.stringify({ kind: flash.kind, text: flash.text.slice(0, 500) })).toString('base64url');
  reply.setCookie(FLASH_COOKIE, value, { ...cookieBase(req, '/desk'), maxAge: 60 });
}

/** Reads and clears the flash message; anything malformed is ignored. */
export function takeFlash(req: FastifyRequest, reply: FastifyReply): Flash | null {
  const raw = req.cookies?.[FLASH_COOKIE];
  if (!raw) return null;
  reply.clearCookie(FLASH_COOKIE, { path: '/desk' });
  try {
    const f = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flash>;
    return (f.kind === 'ok' || f.kind === 'error') && typeof f.text === 'string' ? { kind: f.kind, text: f.text.slice(0, 500) } : null;
  } catch {
    return null;
  }
}

/** Where to go after signing in: only a desk page of this site (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/desk(?:[/?][^\\\s]*)?$/.test(next) && !next.startsWith('/desk/login') && !next.includes('//') ? next : '/desk';
}
