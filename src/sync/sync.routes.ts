import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, badRequest } from '../platform/errors.js';
import type { Queues } from '../platform/queues.js';
import { JobName } from '../jobs.js';
import type { SyncServices } from './sync.jobs.js';

const backfillBody = z.object({ restart: z.boolean().optional() }).strict().nullish();

/** Operator routes of the REST sync (under /api, bearer token): backfill, reconciliation, webhook health. */
export async function syncRoutes(app: FastifyInstance, opts: { services: SyncServices | null; queues: Queues }): Promise<void> {
  const need = (): SyncServices => {
    if (!opts.services) {
      throw new AppError(409, 'not_configured', 'the shop REST API is not configured: set WC_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET');
    }
    return opts.services;
  };

  app.post('/backfill', async (req, reply) => {
    const s = need();
    const parsed = backfillBody.safeParse(req.body);
    if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const job = await opts.queues.sync.add(JobName.Backfill, { restart: parsed.data?.restart ?? false }, { deduplication: { id: 'backfill' }, attempts: 5 });
    return reply.status(202).send({ status: 'queued', jobId: job.id, state: await s.backfill.state() });
  });

  app.get('/backfill', async () => {
    const s = need();
    const jobs = await opts.queues.sync.getJobs(['active', 'waiting', 'delayed'], 0, 50);
    const job = jobs.find((j) => j.name === JobName.Backfill);
    return { state: await s.backfill.state(), job: job ? { id: job.id, progress: job.progress } : null };
  });

  app.get('/reconciliation', async () => need().reconcile.report());

  app.post('/reconciliation', async (_req, reply) => {
    need();
    const job = await opts.queues.sync.add(JobName.ReconcileOrders, {}, { deduplication: { id: `${JobName.ReconcileOrders}-on-demand` } });
    return reply.status(202).send({ status: 'queued', jobId: job.id });
  });

  app.get('/webhooks/health', async () => {
    const report = await need().webhooks.lastReport();
    return report ?? { checkedAt: null, healthy: null, topics: [] };
  });

  app.post('/webhooks/health', async () => need().webhooks.check());
}
