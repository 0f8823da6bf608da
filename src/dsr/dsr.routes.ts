import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import { AppError, notFound } from '../platform/errors.js';
import { parseInput } from '../platform/validate.js';
import { REQUEST_TYPES, isOverdue } from './request-rules.js';
import { type RequestRow, getRequest, listRequests, stepsOf } from './requests.repository.js';
import type { RequestsService } from './requests.service.js';
import type { RightsService } from './rights.service.js';
import { changesSchema } from './rectification.js';

const fileBody = z.object({
  type: z.enum(REQUEST_TYPES, `type must be one of ${REQUEST_TYPES.join(', ')}`),
  email: z.string().trim().min(3).max(320),
  lang: z.enum(['nl', 'en']).default('nl'),
  changes: changesSchema.optional(),
  note: z.string().trim().max(1000).nullish(),
}).strict().refine((b) => b.type !== 'rectification' || b.changes, { message: 'changes: required for a rectification', path: ['changes'] });
const idParams = z.object({ id: z.uuid('expected a request id') });
const listQuery = z.object({
  status: z.enum(['received', 'awaiting_verification', 'in_progress', 'completed', 'rejected']).optional(),
  overdue: z.enum(['true', 'false']).optional(),
});
const noteBody = z.object({ note: z.string().trim().min(3, 'say how the requester was verified').max(1000) }).strict();
const reasonBody = z.object({ reason: z.string().trim().min(3, 'say why').max(1000) }).strict();
const extendBody = z.object({ reason: z.string().trim().min(3, 'say why').max(1000), days: z.number().int().min(1).max(61, 'days: at most 61') }).strict();
const decisionBody = z.object({ upheld: z.boolean(), reason: z.string().trim().min(3, 'say why').max(1000) }).strict();

/** The signed-in operator's name, for the request's steps and the audit trail. */
const actorOf = (req: FastifyRequest) => req.principal?.name ?? 'operator';

export function presentRequest(r: RequestRow, now: Date) {
  return {
    id: r.id, type: r.type, status: r.status, email: r.email, receivedAt: r.receivedAt.toISOString(), dueAt: r.dueAt.toISOString(),
    overdue: isOverdue(r, now), extendedAt: r.extendedAt?.toISOString() ?? null, extensionReason: r.extensionReason,
    verifiedAt: r.verifiedAt?.toISOString() ?? null, verification: r.verification, completedAt: r.completedAt?.toISOString() ?? null,
    rejectedAt: r.rejectedAt?.toISOString() ?? null, rejectionReason: r.rejectionReason, linkedTo: r.linkedTo,
    objectionDecision: r.objectionDecision, decisionReason: r.decisionReason, noDataHeld: r.noDataHeld, outcome: r.outcome,
    filedBy: r.filedBy, subjectKey: r.subjectKey.toString('hex'),
  };
}

/** Privacy requests for operators (under /api, bearer auth). */
export async function dsrRoutes(app: FastifyInstance, opts: { pool: Pool; clock: Clock; requests: RequestsService; rights: RightsService }): Promise<void> {
  const show = (r: RequestRow) => presentRequest(r, opts.clock.now());

  app.post('/privacy-requests', async (req, reply) => {
    const body = parseInput(fileBody, req.body);
    const { request, linked } = await opts.requests.file({
      type: body.type, email: body.email, lang: body.lang, changes: body.changes ?? null, note: body.note ?? null, actor: actorOf(req),
    });
    req.log.info({ requestId: request.id, type: request.type, linked }, 'privacy request filed');
    return reply.status(201).send(show(request));
  });

  app.get('/privacy-requests', async (req) => {
    const q = parseInput(listQuery, req.query);
    const rows = await listRequests(opts.pool, { status: q.status ?? null, overdue: q.overdue === 'true', now: opts.clock.now() });
    return { requests: rows.map(show) };
  });

  app.get('/privacy-requests/:id', async (req) => {
    const { id } = parseInput(idParams, req.params);
    const r = await getRequest(opts.pool, id);
    if (!r) throw notFound(`no privacy request ${id}`);
    return { ...show(r), steps: await stepsOf(opts.pool, id) };
  });

  app.get('/privacy-requests/:id/export', async (req) => {
    const { id } = parseInput(idParams, req.params);
    const { rows } = await opts.pool.query(`SELECT id, kind, package, created_at, expires_at FROM privacy_exports WHERE request_id = $1 ORDER BY created_at DESC LIMIT 1`, [id]);
    const e = rows[0];
    if (!e) throw notFound(`request ${id} has no export`);
    if (!e.package || e.expires_at < opts.clock.now()) throw new AppError(410, 'export_expired', 'the export expired (EXPORT_TTL_DAYS) or was erased');
    req.log.info({ requestId: id, exportId: e.id }, 'export read by an operator');
    return e.package;
  });

  const act = (path: string, schema: z.ZodType | null, fn: (id: string, body: never, req: FastifyRequest) => Promise<RequestRow>) =>
    app.post(`/privacy-requests/:id/${path}`, async (req) => {
      const { id } = parseInput(idParams, req.params);
      const body = schema ? parseInput(schema, req.body) : {};
      return show(await fn(id, body as never, req));
    });

  act('verify', noteBody, (id, b: { note: string }, req) => opts.requests.verify(id, actorOf(req), b.note));
  act('complete', null, (id, _b, req) => opts.rights.complete(id, actorOf(req)));
  act('reject', reasonBody, (id, b: { reason: string }, req) => opts.requests.reject(id, actorOf(req), b.reason));
  act('extend', extendBody, (id, b: { reason: string; days: number }, req) => opts.requests.extend(id, actorOf(req), b.reason, b.days));
  act('lift', null, (id, _b, req) => opts.rights.lift(id, actorOf(req)));
  act('objection-decision', decisionBody, (id, b: { upheld: boolean; reason: string }, req) => opts.rights.decideObjection(id, actorOf(req), b.upheld, b.reason));
  act('confirm-shop-corrected', null, async (id, _b, req) => {
    const r = await getRequest(opts.pool, id);
    if (!r || r.type !== 'rectification') throw notFound(`no rectification request ${id}`);
    await opts.pool.query(`UPDATE rectification_overlays SET confirmed_at = now() WHERE request_id = $1`, [id]);
    req.log.info({ requestId: id }, 'rectification overlay confirmed: the shop holds the correction');
    return r;
  });
}
