import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { notFound } from '../platform/errors.js';
import { getRequest, stepsOf } from '../dsr/requests.repository.js';
import { listSweeps } from '../retention/sweep.repository.js';
import { listErasureFollowUps } from '../processors/erasure-followups.repository.js';
import { takeFlash } from './csrf.js';
import { auditOf, backlogs, closedRequests, failedPushes, mailsOf, openRequests, personsByEmail } from './desk.queries.js';
import { type DeskOptions, deskPageDocs } from './desk.routes.js';
import type { Viewer } from './views/layout.js';
import { requestListPage } from './views/requests.js';
import { requestDetailPage } from './views/request-detail.js';
import { personsPage } from './views/persons.js';
import { type HealthData, healthPage, pushesPage, retentionPage } from './views/operations.js';

/** The desk's pages (GET). The central hook let only signed-in operators and auditors through. */

const idParams = z.object({ id: z.uuid() });
const personQuery = z.object({ email: z.string().trim().max(320).optional() });

/** Who is looking. A bearer-token caller has no session and so no CSRF token: its forms would be refused. */
export function viewerOf(req: FastifyRequest): Viewer {
  const p = req.principal!;
  return { name: p.name, role: p.role, csrf: req.csrf ?? '' };
}

// The pages show personal data: never cached, not by the browser either.
const send = (reply: FastifyReply, page: string) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);

export function deskPages(app: FastifyInstance, opts: DeskOptions): void {
  app.get('/desk', deskPageDocs('Open privacy requests by due date, days left and overdue highlighted; the last closed ones'), async (req, reply) => {
    const now = opts.clock.now();
    const [open, closed] = await Promise.all([openRequests(opts.pool, now), closedRequests(opts.pool, 10)]);
    return send(reply, requestListPage({ viewer: viewerOf(req), flash: takeFlash(req, reply), now, open, closed }));
  });

  app.get('/desk/requests/:id', deskPageDocs('A privacy request: its steps, mails, audit entries, manual_required items and actions',
    { params: idParams, examples: { params: { id: '8d0f6a2c-4b1e-4f3a-9c5d-7e6f8a9b0c1d' } } }), async (req, reply) => {
    const p = idParams.safeParse(req.params);
    const request = p.success ? await getRequest(opts.pool, p.data.id) : null;
    if (!p.success || !request) throw notFound('There is no privacy request with this id.');
    const [steps, mails, audit] = await Promise.all([stepsOf(opts.pool, request.id), mailsOf(opts.pool, request.id), auditOf(opts.pool, request.id)]);
    return send(reply, requestDetailPage({ viewer: viewerOf(req), flash: takeFlash(req, reply), now: opts.clock.now(), request, steps, mails, audit }));
  });

  // A read of a person: the central hook's onResponse records it in the audit trail with the viewer's name.
  app.get('/desk/persons', deskPageDocs('A person by email: status, orders, sync state and label download (the read is audited)',
    { querystring: personQuery, examples: { querystring: { email: 'jan@example.com' } } }), async (req, reply) => {
    const q = personQuery.safeParse(req.query);
    const email = q.success && q.data.email ? q.data.email : null;
    const persons = email ? await personsByEmail(opts.pool, email) : [];
    return send(reply, personsPage({ viewer: viewerOf(req), flash: takeFlash(req, reply), email, persons }));
  });

  app.get('/desk/retention', deskPageDocs('Retention: the preview, interlock warnings and sweep reports'), async (req, reply) => {
    const [preview, sweeps] = await Promise.all([opts.retention.preview(), listSweeps(opts.pool, 20)]);
    return send(reply, retentionPage({ viewer: viewerOf(req), flash: takeFlash(req, reply), preview, sweeps }));
  });

  app.get('/desk/pushes', deskPageDocs('Failed processor pushes, each with a retry button; processor erasures to finish by hand'), async (req, reply) => {
    const [failed, followUps] = await Promise.all([failedPushes(opts.pool), listErasureFollowUps(opts.pool, 'open')]);
    return send(reply, pushesPage({ viewer: viewerOf(req), flash: takeFlash(req, reply), failed, followUps }));
  });

  app.get('/desk/health', deskPageDocs('Webhook health, reconciliation lag, inbox backlog and queue depths'), async (req, reply) => {
    const s = opts.sync;
    const [sync, counts, queues] = await Promise.all([
      s ? Promise.all([s.webhooks.lastReport(), s.reconcile.report()]).then(([webhooks, reconcile]) => ({ webhooks, reconcile })) : null,
      backlogs(opts.pool),
      queueDepths(opts),
    ]);
    const data: HealthData = { sync, ...counts, queues };
    return send(reply, healthPage({ viewer: viewerOf(req), flash: takeFlash(req, reply), data }));
  });
}

/** Job counts per queue; null when Redis is down (BullMQ would wait for it instead of failing). */
async function queueDepths(opts: DeskOptions): Promise<HealthData['queues']> {
  if (!opts.queues.isReady()) return null;
  try {
    return await Promise.all(opts.queues.all.map(async (q) => {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
      return { name: q.name, waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
    }));
  } catch {
    return null;
  }
}
