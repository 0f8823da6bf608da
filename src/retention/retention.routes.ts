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
import { docs } from '../platform/openapi.js';

const startBody = z.object({ force: z.boolean().default(false) }).strict();
const idParams = z.object({ id: z.uuid('expected a sweep id') });

export const presentSweep = (s: SweepRow) => ({
  id: s.id, status: s.status, trigger: s.trigger, forced: s.forced, createdAt: s.created_at.toISOString(),
  cutoff: s.cutoff.toISOString(), phase: s.phase, counts: s.counts, blockedReasons: s.blocked ?? [],
  preview: s.preview, error: s.error, startedAt: s.started_at?.toISOString() ?? null, finishedAt: s.finished_at?.toISOString() ?? null,
  durationMs: s.started_at && s.finished_at ? s.finished_at.getTime() - s.started_at.getTime() : null,
});

const PREVIEW = {
  now: '2026-06-01T10:00:00.000Z', cutoff: '2024-06-01T10:00:00.000Z', today: '2026-06-01', inactiveDays: 730, personsDue: 12, ordersDue: 19,
  personsOpen: 1480, personsHeld: 1, fiscalPastTerm: 0, fraction: 0.0081, maxFraction: 0.2,
  interlock: { blocked: false, reasons: [], health: { webhooksNotDelivering: [], reconciliationLagSeconds: 240 } },
};
const SWEEP = {
  id: '6f1c2a9e-3b7d-4c58-9e21-0a4b5c6d7e8f', status: 'completed', trigger: 'operator', forced: false, createdAt: '2026-06-01T10:00:00.000Z',
  cutoff: '2024-06-01T10:00:00.000Z', phase: 'done', counts: { personsErased: 11, personsHeld: 1, ordersAnonymised: 18, fiscalArchived: 18, inboxPurged: 230 },
  blockedReasons: [], preview: PREVIEW, error: null, startedAt: '2026-06-01T10:00:00.000Z', finishedAt: '2026-06-01T10:00:04.000Z', durationMs: 4000,
};
const tags = ['retention'];

/** Retention (P13): preview, start a sweep, follow it. */
export async function retentionRoutes(app: FastifyInstance, opts: { retention: RetentionService; queues: Queues; pool: Pool }): Promise<void> {
  app.get('/retention/preview', docs({
    summary: 'Who a sweep would erase now (730 days inactive), and whether the interlock would block it', tags,
    responses: { 200: { description: 'the preview', example: PREVIEW } },
  }), async () => opts.retention.preview());

  app.post('/retention/sweeps', docs({
    summary: 'Start a retention sweep (runs in the worker; follow it here or in the job dashboard)',
    description: '202 running; 200 blocked when the interlock trips (webhooks not delivering, reconciliation lag, too many due) unless force is true. '
      + 'A sweep already running is returned (existing: true) instead of starting a second.',
    tags, body: startBody, examples: { body: { force: false }, invalid: { body: { force: 'yes' } } },
    responses: {
      202: { description: 'the sweep, running', example: { ...SWEEP, status: 'running', phase: 'persons', counts: {}, finishedAt: null, durationMs: null, existing: false } },
      200: { description: 'blocked by the interlock', example: { ...SWEEP, status: 'blocked', phase: 'persons', blockedReasons: ['too_many_due'], existing: false } },
      503: { description: 'the job queue is unreachable', example: { error: 'queue_unavailable', message: 'the job queue is unreachable; try again shortly', reqId: 'req-1' } },
    },
  }), async (req, reply) => {
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

  app.get('/retention/sweeps', docs({
    summary: 'The last 50 sweeps (sweep reports), newest first', tags, responses: { 200: { description: 'sweeps', example: { sweeps: [SWEEP] } } },
  }), async () => ({ sweeps: (await listSweeps(opts.pool, 50)).map(presentSweep) }));

  app.get('/retention/sweeps/:id', docs({
    summary: 'One sweep: status, phase, counts and duration', tags, params: idParams, examples: { params: { id: SWEEP.id } },
    responses: { 200: { description: 'the sweep', example: SWEEP } },
  }), async (req) => {
    const { id } = parseInput(idParams, req.params);
    const sweep = await opts.retention.get(id);
    if (!sweep) throw notFound(`no retention sweep ${id}`);
    return presentSweep(sweep);
  });
}
