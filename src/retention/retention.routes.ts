import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Queues } from '../platform/queues.js';
import { AppError, notFound } from '../platform/errors.js';
import { parseInput } from '../platform/validate.js';
import { JobName, jobId } from '../jobs.js';
import type { RetentionService } from './sweep.service.js';
import type { SweepRow } from './sweep.repository.js';
import { listSweeps } from './sweep.repository.js';
import type { Pool } from '../platform/db.js';

const startBody = z.object({ force: z.boolean().default(false) }).strict();
const idParams = z.object({ id: z.uuid('expected a sweep id') });

export const presentSweep = (s: SweepRow) => ({
  id: s.id, status: s.status, trigger: s.trigger, forced: s.forced, createdAt: s.created_at.toISOString(),
  cutoff: s.cutoff.toISOString(), phase: s.phase, counts: s.counts, blockedReasons: s.blocked ?? [],
  preview: s.preview, error: s.error, startedAt: s.started_at?.toISOString() ?? null, finishedAt: s.finished_at?.toISOString() ?? null,
  durationMs: s.started_at && s.finished_at ? s.finished_at.getTime() - s.started_at.getTime() : null,
});

/** Retention (P13): preview, start a sweep, follow it. */
export async function retentionRoutes(app: FastifyInstance, opts: { retention: RetentionService; queues: Queues; pool: Pool }): Promise<void> {
  app.get('/retention/preview', async () => opts.retention.preview());

  app.post('/retention/sweeps', async (req, reply) => {
    const { force } = parseInput(startBody, req.body);
    if (!opts.queues.isReady()) throw new AppError(503, 'queue_unavailable', 'the job queue is unreachable; try again shortly');
    const { sweep, existing } = await opts.retention.start({ trigger: 'operator', force });
    if (sweep.status === 'running') {
      await opts.queues.maintenance.add(JobName.RetentionSweep, { sweepId: sweep.id }, {
        jobId: jobId.retentionSweep(sweep.id), attempts: 5, backoff: { type: 'exponential', delay: 10_000 },
      });
    }
    return reply.status(sweep.status === 'blocked' ? 200 : 202).send({ ...presentSweep(sweep), existing });
  });

  app.get('/retention/sweeps', async () => ({ sweeps: (await listSweeps(opts.pool, 50)).map(presentSweep) }));

  app.get('/retention/sweeps/:id', async (req) => {
    const { id } = parseInput(idParams, req.params);
    const sweep = await opts.retention.get(id);
    if (!sweep) throw notFound(`no retention sweep ${id}`);
    return presentSweep(sweep);
  });
}
