import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { appRoutes } from '@bull-board/api/dist/routes.js';
import { errorHandler as boardErrorHandler } from '@bull-board/api/dist/handlers/error.js';
import type { HTTPStatus } from '@bull-board/api/dist/types.js';
import { FastifyAdapter } from '@bull-board/fastify';
import { AppError } from '../platform/errors.js';
import { z } from 'zod';
import type { RouteDocs } from '../platform/openapi.js';

/**
 * The job dashboard: bull-board over every queue, at the prefix this plugin is registered with (/admin/queues).
 *
 * No auth of its own: the central hook (operators/auth.hooks.ts) covers the page, its static assets and its API
 * like every other route — a bearer token or the desk session cookie. Auditors are read-only through the one
 * policy: bull-board's mutating calls (PUT/POST/PATCH) are writes, so an auditor gets 403 before bull-board runs.
 * Sweeps, backfills and reconciliations report job.updateProgress, which the board shows per job.
 */
export async function queuesDashboard(app: FastifyInstance, opts: { queues: Queue[] }): Promise<void> {
  // bull-board's page sets <base href> to its base path, which must equal the URL prefix the routes live under.
  if (!app.prefix) throw new Error('register queuesDashboard with a prefix, e.g. { prefix: "/admin/queues" }');
  const board = new FastifyAdapter();
  board.setBasePath(app.prefix);
  createBullBoard({
    queues: opts.queues.map((q) => new BullMQAdapter(q)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'woo-companion jobs' } },
  });
  // bull-board's page links Google Fonts: every operator opening it would tell Google their IP address. The link is
  // taken out (the page falls back to the system font) and the CSP (app.ts) allows no style or font from elsewhere.
  app.addHook('onSend', async (_req, reply, payload) =>
    typeof payload === 'string' && String(reply.getHeader('content-type') ?? '').startsWith('text/html') ? withoutRemoteFonts(payload) : payload);
  // bull-board answers errors in its own scope; the auth hook's 401/403 keep our {error, message} shape there too.
  board.setErrorHandler((err) => err instanceof AppError
    ? { status: err.statusCode as HTTPStatus, body: { error: err.code, message: err.message } }
    : boardErrorHandler(err as Parameters<typeof boardErrorHandler>[0]));
  // bull-board hides its routes from OpenAPI; /docs lists every route, so they get its own summaries instead.
  app.addHook('onRoute', (route) => documentBoardRoute(route, app.prefix));
  await app.register(board.registerPlugin());
}

/** The page without its links to fonts.googleapis.com / fonts.gstatic.com. */
export const withoutRemoteFonts = (html: string): string => html.replace(/<link\b[^>]*\bhref="https:\/\/fonts\.(?:googleapis|gstatic)\.com[^"]*"[^>]*>\s*/g, '');

const PARAM_EXAMPLES: Record<string, string> = {
  queueName: 'maintenance', jobId: 'sweep-6f1c2a9e-3b7d-4c58-9e21-0a4b5c6d7e8f', queueStatus: 'failed',
  schedulerId: 'retention-daily', '*': 'js/main.js',
};
const QUEUES_EXAMPLE = {
  queues: [{
    name: 'maintenance', counts: { active: 1, completed: 12, delayed: 0, failed: 0, paused: 0, prioritized: 0, waiting: 0 },
    jobs: [{ id: 'sweep-6f1c2a9e-3b7d-4c58-9e21-0a4b5c6d7e8f', name: 'retention-sweep', progress: { phase: 'persons', done: 500, total: 1200 }, attempts: 0 }],
    readOnlyMode: false, isPaused: false,
  }],
};
const RESPONSE_EXAMPLES: Record<string, unknown> = { '/api/queues': QUEUES_EXAMPLE };
const HTML = '<!DOCTYPE html><html lang="en" dir="ltr"><head><title>woo-companion jobs</title>…';
const bullBoardApi = (appRoutes.api as { method: string; route: string | string[]; spec?: { summary?: string } }[]).flatMap((r) =>
  [r.route].flat().map((route) => ({ method: r.method.toUpperCase(), route, summary: r.spec?.summary })));

/** What bull-board's route does, from bull-board's own route specs, with examples of its parameters or answer. */
function documentBoardRoute(route: RouteOptions, prefix: string): void {
  const rel = route.url.slice(prefix.length) || '/';
  const methods = [route.method].flat();
  const method = methods.find((m) => m !== 'HEAD') ?? methods[0]!;
  const names = [...rel.matchAll(/:(\w+)|\*/g)].map((m) => m[1] ?? '*');
  const params = names.length ? z.object(Object.fromEntries(names.map((n) => [n, z.string()]))) : undefined;
  const paramExamples = Object.fromEntries(names.map((n) => [n, PARAM_EXAMPLES[n] ?? 'x']));
  const api = bullBoardApi.find((r) => r.method === method && r.route === rel);
  let d: Omit<RouteDocs, 'invalidExample'>;
  if (api) {
    d = {
      summary: `Job dashboard API: ${api.summary ?? rel}`,
      description: 'bull-board\'s own API, called by the dashboard page. Mutating calls are refused for auditors (403).',
      tags: ['job dashboard'], params, examples: { params: paramExamples },
      // Its mutating calls answer an empty object; its reads are documented by bull-board's own types.
      responses: { 200: { description: 'bull-board\'s answer', example: RESPONSE_EXAMPLES[rel] ?? (method === 'GET' ? undefined : {}) } },
    };
  } else if (rel.startsWith('/static')) {
    d = { summary: 'Job dashboard: static assets (scripts, styles, images)', tags: ['job dashboard'], params, examples: { params: paramExamples },
      responses: { 200: { description: 'the file', type: 'application/javascript', example: '/* bull-board UI bundle */' } } };
  } else {
    d = { summary: `Job dashboard page (${rel}): every queue, its jobs and their progress`, tags: ['job dashboard'], params, examples: { params: paramExamples },
      responses: { 200: { description: 'the bull-board page', type: 'text/html', example: HTML } } };
  }
  route.schema = { summary: d.summary, tags: d.tags };
  route.config = { ...(route.config ?? {}), openapi: { ...d, invalidExample: false } };
}
