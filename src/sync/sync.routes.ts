import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, badRequest } from '../platform/errors.js';
import type { Queues } from '../platform/queues.js';
import { JobName } from '../jobs.js';
import type { SyncServices } from './sync.jobs.js';
import { docs } from '../platform/openapi.js';

const backfillBody = z.object({ restart: z.boolean().optional() }).strict().nullish();

const BACKFILL = { status: 'running', phase: 'orders', nextPage: 11, offset: 1090, lastId: 501089, processed: 1090, totals: { orders: 2400, customers: null, trash: null },
  startedAt: '2026-06-01T10:00:00.000Z', finishedAt: null };
const WEBHOOKS = { checkedAt: '2026-06-01T10:00:00.000Z', healthy: false, topics: [
  { topic: 'order.created', state: 'ok', webhookId: 11, repaired: false }, { topic: 'order.updated', state: 'disabled', webhookId: 12, repaired: false }] };
const NOT_CONFIGURED = { description: 'the shop REST API is not configured', example: {
  error: 'not_configured', message: 'the shop REST API is not configured: set WC_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET', reqId: 'req-1' } };
const tags = ['shop sync'];

/** Operator routes of the REST sync (under /api, bearer token): backfill, reconciliation, webhook health. */
export async function syncRoutes(app: FastifyInstance, opts: { services: SyncServices | null; queues: Queues }): Promise<void> {
  const need = (): SyncServices => {
    if (!opts.services) {
      throw new AppError(409, 'not_configured', 'the shop REST API is not configured: set WC_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET');
    }
    return opts.services;
  };

  app.post('/backfill', docs({
    summary: 'Queue a backfill of every order and customer from the shop\'s REST API (resumes an interrupted one unless restart)',
    tags, body: backfillBody, invalidExample: false, examples: { body: { restart: false } },
    responses: { 202: { description: 'queued', example: { status: 'queued', jobId: '91', state: BACKFILL } }, 409: NOT_CONFIGURED,
      400: { description: 'invalid body', example: { error: 'bad_request', message: 'restart: Invalid input: expected boolean, received string', reqId: 'req-1' } } },
  }), async (req, reply) => {
    const s = need();
    const parsed = backfillBody.safeParse(req.body);
    if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const job = await opts.queues.sync.add(JobName.Backfill, { restart: parsed.data?.restart ?? false }, { deduplication: { id: 'backfill' }, attempts: 5 });
    return reply.status(202).send({ status: 'queued', jobId: job.id, state: await s.backfill.state() });
  });

  app.get('/backfill', docs({
    summary: 'Backfill state and the running job\'s progress', tags,
    responses: { 200: { description: 'state and progress', example: { state: BACKFILL, job: { id: '91', progress: {
      phase: 'orders', processed: 1100, total: 2400, percent: 45.8, ratePerSecond: 120, etaSeconds: 11 } } } }, 409: NOT_CONFIGURED },
  }), async () => {
    const s = need();
    const jobs = await opts.queues.sync.getJobs(['active', 'waiting', 'delayed'], 0, 50);
    const job = jobs.find((j) => j.name === JobName.Backfill);
    return { state: await s.backfill.state(), job: job ? { id: job.id, progress: job.progress } : null };
  });

  app.get('/reconciliation', docs({
    summary: 'Reconciliation report: changes webhooks missed, and the lag since the last run', tags,
    responses: { 200: { description: 'the report', example: {
      orders: { watermark: '2026-06-01T09:55:00.000Z', lastRunAt: '2026-06-01T09:56:00.000Z', lastRunFetched: 14, lastRunMissed: 0, missedTotal: 3, runs: 288,
        lagSeconds: 240, watermarkAgeSeconds: 300 },
      customers: { lastRunAt: '2026-06-01T09:56:00.000Z', lastRunFetched: 4, lastRunMissed: 0, missedTotal: 1, lagSeconds: 240 },
    } }, 409: NOT_CONFIGURED },
  }), async () => need().reconcile.report());

  app.post('/reconciliation', docs({
    summary: 'Queue a reconciliation run now', tags,
    responses: { 202: { description: 'queued', example: { status: 'queued', jobId: '92' } }, 409: NOT_CONFIGURED },
  }), async (_req, reply) => {
    need();
    const job = await opts.queues.sync.add(JobName.ReconcileOrders, {}, { deduplication: { id: `${JobName.ReconcileOrders}-on-demand` } });
    return reply.status(202).send({ status: 'queued', jobId: job.id });
  });

  app.get('/webhooks/health', docs({
    summary: 'The last check of the shop\'s webhooks (ours: present, active, pointing here)', tags,
    responses: { 200: { description: 'the last report (nulls: never checked)', example: WEBHOOKS }, 409: NOT_CONFIGURED },
  }), async () => {
    const report = await need().webhooks.lastReport();
    return report ?? { checkedAt: null, healthy: null, topics: [] };
  });

  app.post('/webhooks/health', docs({
    summary: 'Check the shop\'s webhooks now (repairs them when WC_WEBHOOKS_AUTOREPAIR is on)', tags,
    responses: { 200: { description: 'the report', example: WEBHOOKS }, 409: NOT_CONFIGURED },
  }), async () => need().webhooks.check());
}
