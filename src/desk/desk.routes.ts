import type { FastifyError, FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import type { Queues } from '../platform/queues.js';
import { AppError, asClientError } from '../platform/errors.js';
import { audit } from '../audit/audit.repository.js';
import { SESSION_COOKIE } from '../operators/auth.hooks.js';
import { createSession, endSession } from '../operators/operators.repository.js';
import type { RequestsService } from '../dsr/requests.service.js';
import type { RightsService } from '../dsr/rights.service.js';
import type { RetentionService } from '../retention/sweep.service.js';
import type { SyncServices } from '../sync/sync.jobs.js';
import { LOGIN_CSRF_COOKIE, cookieBase, csrfMatches, issueLoginCsrf, safeNext, sentToken } from './csrf.js';
import { checkLogin } from './sign-in.js';
import { DESK_CSS } from './views/styles.js';
import { errorPage, loginPage } from './views/login.js';
import { deskPages } from './desk.pages.js';
import { deskActions } from './desk.actions.js';
import { type RouteDocs, docs } from '../platform/openapi.js';

/**
 * The privacy desk: server-rendered pages at /desk for operators (act) and auditors (read). The central auth hook
 * (operators/auth.hooks.ts) has already resolved the principal from the session cookie; here: sign-in and sign-out,
 * CSRF on every POST, HTML error pages, and the pages and actions themselves (same services as the JSON API).
 */

export interface DeskOptions {
  pool: Pool;
  clock: Clock;
  requests: RequestsService;
  rights: RightsService;
  retention: RetentionService;
  /** null without the shop's REST API: the health page says "not configured". */
  sync: SyncServices | null;
  adminToken: string;
  fiscalToken: string | null;
  queues: Queues;
  /** The processors' push relay (deps.processors.relay): a retried push goes out now, not at its next pass. */
  relay: { kick(): void };
  /** After mail was queued again: the outbox's sender runs now (deps.kick). */
  kick?: () => void;
  /** Sign-in attempts per client and minute (default 10). */
  loginMax?: number;
  /** How long a desk session lasts (default 8 hours). */
  sessionTtlMs?: number;
}

const loginBody = z.object({
  name: z.string().trim().min(1).max(100), token: z.string().trim().min(1).max(200), next: z.string().max(500).optional(), _csrf: z.string().optional(),
});
const html = 'text/html; charset=utf-8';

/** OpenAPI (documentation only, see platform/openapi.ts): the desk answers HTML, its errors too, and its forms redirect. */
const PAGE = { description: 'the page', type: 'text/html', example: '<!doctype html><html lang="en">…<main>…</main>' };
const FORBIDDEN = { description: 'an error page (auditors are read-only; a missing or stale CSRF token)', type: 'text/html', example: '<!doctype html>…<h1>403</h1>…' };
const tags = ['privacy desk (HTML)'];
export const deskPageDocs = (summary: string, more: Partial<RouteDocs> = {}) => docs({
  summary, tags, invalidExample: false, ...more,
  responses: { 200: PAGE, 302: { description: 'not signed in: to /desk/login?next=…', type: 'text/html' }, 401: { description: 'a bearer token that is not valid (no redirect)', type: 'text/html' } },
});
export const deskFormDocs = (d: RouteDocs, more?: { config?: object }) => docs({
  ...d, tags, bodyType: 'application/x-www-form-urlencoded', invalidExample: false,
  description: [d.description, 'A form post with the session\'s CSRF token in `_csrf`; answers 303 back to the page with a flash message (a refusal is the flash).'].filter(Boolean).join(' '),
  examples: { ...d.examples, body: { ...(d.examples?.body as object | undefined), _csrf: 'pZ3…' } },
  responses: { 303: { description: 'back to the page (Post/Redirect/Get)', type: 'text/html' }, 401: { description: 'an error page: not signed in', type: 'text/html' }, 403: FORBIDDEN, ...d.responses },
}, more);

export async function deskRoutes(app: FastifyInstance, opts: DeskOptions): Promise<void> {
  // Only the sign-in POST is limited (route config below); the scope's other routes are not.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new AppError(429, 'too_many_attempts', `Too many sign-in attempts; try again in ${Math.ceil(ctx.ttl / 1000)} seconds.`),
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  // Desk pages answer errors as pages, not JSON — including the central hook's 401/403 for this scope's routes.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const known = asClientError(err);
    const status = known && known.statusCode < 500 ? known.statusCode : 500;
    if (status >= 500) req.log.error({ err: { type: err.name, code: err.code, stack: err.stack } }, 'desk error');
    const message = status >= 500 ? 'Internal error. The details are in the service log.' : known!.message;
    return reply.status(status).type(html).header('cache-control', 'no-store').send(errorPage(status, message, !!req.principal));
  });

  // Every desk POST but the sign-in carries the session's CSRF token; a bearer-token call has none and is refused.
  app.addHook('preHandler', async (req) => {
    if (req.method !== 'POST' || req.routeOptions.url === '/desk/login') return;
    if (!csrfMatches(req.csrf, sentToken(req))) {
      throw new AppError(403, 'csrf', 'This form is out of date or did not come from the desk. Reload the page and try again.');
    }
  });

  app.get('/desk/assets/desk.css', docs({
    summary: 'The desk\'s stylesheet (public)', tags, responses: { 200: { description: 'CSS', type: 'text/css', example: 'body{font-family:system-ui,sans-serif}…' } },
  }), async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(DESK_CSS));

  app.get('/desk/login', docs({
    summary: 'The sign-in page (public): name and operator token', tags, examples: { querystring: { next: '/desk/requests/8d0f6a2c-4b1e-4f3a-9c5d-7e6f8a9b0c1d' } },
    querystring: z.object({ next: z.string().optional() }), responses: { 200: PAGE },
  }), async (req, reply) => {
    const next = typeof (req.query as { next?: unknown }).next === 'string' ? safeNext((req.query as { next: string }).next) : null;
    return reply.type(html).header('cache-control', 'no-store').send(loginPage({ csrf: issueLoginCsrf(req, reply), next, error: null }));
  });

  app.post('/desk/login', deskFormDocs({
    summary: 'Sign in (public; rate-limited): sets the HttpOnly, SameSite=Strict session cookie woo_session and goes to `next`', tags, body: loginBody,
    description: 'The CSRF token here is the double-submit cookie woo_login_csrf from the sign-in page.',
    examples: { body: { name: 'ada', token: 'woo_op_12_…', next: '/desk' } },
    responses: { 400: { description: 'the form again', type: 'text/html' }, 401: { description: 'the form again: wrong name or token', type: 'text/html' },
      429: { description: 'too many attempts', type: 'text/html' } },
  }, { config: { rateLimit: { max: opts.loginMax ?? 10, timeWindow: '1 minute' } } }), async (req, reply) => {
    const parsed = loginBody.safeParse(req.body ?? {});
    const again = (status: number, error: string, name?: string) =>
      reply.status(status).type(html).header('cache-control', 'no-store')
        .send(loginPage({ csrf: issueLoginCsrf(req, reply), next: parsed.success && parsed.data.next ? safeNext(parsed.data.next) : null, error, name }));
    if (!csrfMatches(req.cookies?.[LOGIN_CSRF_COOKIE], sentToken(req))) return again(403, 'The sign-in form expired. Please try again.');
    if (!parsed.success) return again(400, 'Enter your name and token.');
    const who = await checkLogin(opts, parsed.data.name, parsed.data.token);
    if (!who) {
      req.log.warn('desk sign-in refused');
      return again(401, 'Wrong name or token.', parsed.data.name);
    }
    const { value } = await createSession(opts.pool, who, opts.sessionTtlMs ?? 8 * 3600_000, opts.clock.now());
    await audit(opts.pool, { actor: who.name, action: 'operator.signed_in', detail: { via: 'desk', role: who.role } });
    reply.clearCookie(LOGIN_CSRF_COOKIE, { path: '/desk/login' });
    reply.setCookie(SESSION_COOKIE, value, cookieBase(req, '/'));
    return reply.redirect(safeNext(parsed.data.next), 303);
  });

  app.post('/desk/logout', deskFormDocs({ summary: 'Sign out: ends the session', tags, responses: {} }), async (req, reply) => {
    const cookie = req.cookies?.[SESSION_COOKIE];
    if (cookie) await endSession(opts.pool, cookie);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/desk/login', 303);
  });

  deskPages(app, opts);
  deskActions(app, opts);
}
