import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import { resendRequestMails } from './resend-mail.js';
import type { Clock } from '../platform/clock.js';
import { AppError, notFound } from '../platform/errors.js';
import { parseInput } from '../platform/validate.js';
import { REQUEST_TYPES, isOverdue } from './request-rules.js';
import { type RequestRow, getRequest, listRequests, stepsOf } from './requests.repository.js';
import type { RequestsService } from './requests.service.js';
import type { RightsService } from './rights.service.js';
import { changesSchema, confirmShopCorrected } from './rectification.js';
import { type RouteDocs, docs } from '../platform/openapi.js';

const fileBody = z.object({
  type: z.enum(REQUEST_TYPES, `type must be one of ${REQUEST_TYPES.join(', ')}`),
  email: z.string().trim().min(3).max(320),
  lang: z.enum(['nl', 'en']).default('nl'),
  changes: changesSchema.optional(),
  note: z.string().trim().max(1000).nullish(),
}).strict().refine((b) => b.type !== 'rectification' || b.changes, { message: 'changes: required for a rectification', path: ['changes'] });
const idParams = z.object({ id: z.uuid('expected a request id') });
// An empty value (`?status=&overdue=true`, as a filter form sends it) means no filter.
const emptyIsUnset = (v: unknown) => (v === '' ? undefined : v);
const listQuery = z.object({
  status: z.preprocess(emptyIsUnset, z.enum(['received', 'awaiting_verification', 'in_progress', 'completed', 'rejected']).optional()),
  overdue: z.preprocess(emptyIsUnset, z.enum(['true', 'false']).optional()),
});
const noteBody = z.object({ note: z.string().trim().min(3, 'say how the requester was verified').max(1000) }).strict();
const reasonBody = z.object({ reason: z.string().trim().min(3, 'say why').max(1000) }).strict();
const extendBody = z.object({ reason: z.string().trim().min(3, 'say why').max(1000), days: z.number().int().min(1).max(61, 'days: at most 61') }).strict();
const decisionBody = z.object({ upheld: z.boolean(), reason: z.string().trim().min(3, 'say why').max(1000) }).strict();

const ID = '8d0f6a2c-4b1e-4f3a-9c5d-7e6f8a9b0c1d';
const REQUEST = {
  id: ID, type: 'access', status: 'in_progress', email: 'jan@example.com', receivedAt: '2026-06-01T09:00:00.000Z',
  dueAt: '2026-07-01T09:00:00.000Z', overdue: false, extendedAt: null, extensionReason: null, verifiedAt: '2026-06-01T09:12:00.000Z',
  verification: 'code', completedAt: null, rejectedAt: null, rejectionReason: null, linkedTo: null, objectionDecision: null,
  decisionReason: null, noDataHeld: false, outcome: {}, filedBy: 'ada', subjectKey: '5f1e…c9a0',
};
const tags = ['privacy requests'];
const byId = { params: idParams, examples: { params: { id: ID } } };
const actionDocs = (summary: string, body: z.ZodType | null, example: unknown, request: Record<string, unknown>): RouteDocs => ({
  summary, tags, ...byId, ...(body ? { body } : {}), examples: { params: { id: ID }, ...(body ? { body: example } : {}) },
  responses: { 200: { description: 'the request after the action', example: { ...REQUEST, ...request } } },
});

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
export async function dsrRoutes(
  app: FastifyInstance,
  /** `kick`: the outbox's sender runs now after mail was queued again, not at its next scheduled pass. */
  opts: { pool: Pool; clock: Clock; requests: RequestsService; rights: RightsService; kick?: () => void },
): Promise<void> {
  const show = (r: RequestRow) => presentRequest(r, opts.clock.now());

  app.post('/privacy-requests', docs({
    summary: 'File a privacy request (access, portability, rectification, erasure, restriction, objection) for an email address',
    description: 'The deadline is one month from receipt; the requester is mailed a verification link and code unless an operator verifies.',
    tags, body: fileBody,
    examples: { body: { type: 'access', email: 'jan@example.com', lang: 'nl', note: 'asked by phone' }, invalid: { body: { type: 'delete', email: 'jan@example.com' } } },
    responses: { 201: { description: 'the receipt: the request as filed; verificationSent says a one-time code went to the known address (the request then awaits verification: GET shows it)', example: { ...REQUEST, status: 'received', verifiedAt: null, verification: null, verificationSent: true } } },
  }), async (req, reply) => {
    const body = parseInput(fileBody, req.body);
    const { request, linked, verificationSent } = await opts.requests.file({
      type: body.type, email: body.email, lang: body.lang, changes: body.changes ?? null, note: body.note ?? null, actor: actorOf(req),
    });
    req.log.info({ requestId: request.id, type: request.type, linked }, 'privacy request filed');
    return reply.status(201).send({ ...show(request), verificationSent });
  });

  app.get('/privacy-requests', docs({
    summary: 'List privacy requests by due date, optionally by status or only the overdue ones', tags, querystring: listQuery,
    examples: { querystring: { status: 'in_progress', overdue: 'false' } },
    responses: { 200: { description: 'the requests', example: { requests: [REQUEST] } } },
  }), async (req) => {
    const q = parseInput(listQuery, req.query);
    const rows = await listRequests(opts.pool, { status: q.status ?? null, overdue: q.overdue === 'true', now: opts.clock.now() });
    return { requests: rows.map(show) };
  });

  app.get('/privacy-requests/:id', docs({
    summary: 'One privacy request with its steps', tags, ...byId,
    responses: { 200: { description: 'the request', example: { ...REQUEST, steps: [
      { at: '2026-06-01T09:00:00.000Z', actor: 'ada', step: 'received', note: 'asked by phone' },
      { at: '2026-06-01T09:12:00.000Z', actor: 'requester', step: 'verified', note: 'one-time code from the known address' }] } } },
  }), async (req) => {
    const { id } = parseInput(idParams, req.params);
    const r = await getRequest(opts.pool, id);
    if (!r) throw notFound(`no privacy request ${id}`);
    return { ...show(r), steps: await stepsOf(opts.pool, id) };
  });

  app.get('/privacy-requests/:id/export', docs({
    summary: 'The export package of an access or portability request (until EXPORT_TTL_DAYS)', tags, ...byId,
    responses: {
      200: { description: 'the package: everything held on the person', example: {
        format: { kind: 'access', intendedForTransfer: false, schema: 'woo-companion/export/v1' }, generatedAt: '2026-06-02T10:00:00.000Z', controller: 'Testwinkel', policyVersion: '2023-08-21',
        identity: { firstName: 'Jan', lastName: 'Jansen', status: 'active' }, contact: { accountEmail: 'jan@example.com', emails: [] }, orders: [], consents: [],
      } },
      410: { description: 'expired or erased', example: { error: 'export_expired', message: 'the export expired (EXPORT_TTL_DAYS) or was erased', reqId: 'req-1' } },
    },
  }), async (req) => {
    const { id } = parseInput(idParams, req.params);
    const { rows } = await opts.pool.query(`SELECT id, kind, package, created_at, expires_at FROM privacy_exports WHERE request_id = $1 ORDER BY created_at DESC LIMIT 1`, [id]);
    const e = rows[0];
    if (!e) throw notFound(`request ${id} has no export`);
    if (!e.package || e.expires_at < opts.clock.now()) throw new AppError(410, 'export_expired', 'the export expired (EXPORT_TTL_DAYS) or was erased');
    req.log.info({ requestId: id, exportId: e.id }, 'export read by an operator');
    return e.package;
  });

  const act = (path: string, schema: z.ZodType | null, fn: (id: string, body: never, req: FastifyRequest) => Promise<RequestRow>, d: RouteDocs) =>
    app.post(`/privacy-requests/:id/${path}`, docs(d), async (req) => {
      const { id } = parseInput(idParams, req.params);
      const body = schema ? parseInput(schema, req.body) : {};
      return show(await fn(id, body as never, req));
    });

  act('verify', noteBody, (id, b: { note: string }, req) => opts.requests.verify(id, actorOf(req), b.note),
    actionDocs('Verify the requester by other means (say how)', noteBody, { note: 'called back on the number in the shop account' }, {}));
  act('complete', null, (id, _b, req) => opts.rights.complete(id, actorOf(req)),
    actionDocs('Carry out the right and complete the request (export, erasure, restriction…); 409 not_verified while unverified', null, null,
      { status: 'completed', completedAt: '2026-06-02T10:00:00.000Z', outcome: { exportId: '0b9e…', kind: 'access', expiresAt: '2026-06-09T10:00:00.000Z' } }));
  act('reject', reasonBody, (id, b: { reason: string }, req) => opts.requests.reject(id, actorOf(req), b.reason),
    actionDocs('Reject the request (say why; the requester is told)', reasonBody, { reason: 'manifestly unfounded: third request this week' },
      { status: 'rejected', rejectedAt: '2026-06-02T10:00:00.000Z', rejectionReason: 'manifestly unfounded: third request this week' }));
  act('extend', extendBody, (id, b: { reason: string; days: number }, req) => opts.requests.extend(id, actorOf(req), b.reason, b.days),
    actionDocs('Extend the deadline once, by at most two months (say why; the requester is told)', extendBody, { reason: 'complex: 14 years of orders', days: 30 },
      { dueAt: '2026-07-31T09:00:00.000Z', extendedAt: '2026-06-05T08:00:00.000Z', extensionReason: 'complex: 14 years of orders' }));
  act('lift', null, (id, _b, req) => opts.rights.lift(id, actorOf(req)),
    actionDocs('Lift a restriction of processing', null, null, { type: 'restriction', status: 'completed', outcome: { restricted: true, lifted: true, liftedAt: '2026-06-20T08:00:00.000Z' } }));
  act('objection-decision', decisionBody, (id, b: { upheld: boolean; reason: string }, req) => opts.rights.decideObjection(id, actorOf(req), b.upheld, b.reason),
    actionDocs('Decide an objection: upheld stops the processing, dismissed says why', decisionBody, { upheld: true, reason: 'no compelling legitimate grounds' },
      { type: 'objection', status: 'completed', objectionDecision: 'upheld', decisionReason: 'no compelling legitimate grounds' }));
  act('resend-mail', null, async (id, _b, req) => {
    const n = await resendRequestMails(opts.pool, id, actorOf(req), opts.clock.now());
    opts.kick?.();
    req.log.info({ requestId: id, mails: n }, 'failed mails of a request queued again');
    return (await getRequest(opts.pool, id))!;
  }, actionDocs('Send the request\'s mails that failed for good again, after the mail connection is fixed (409 nothing_failed)', null, null, { status: 'completed' }));
  act('confirm-shop-corrected', null, async (id, _b, req) => {
    const r = await getRequest(opts.pool, id);
    if (!r || r.type !== 'rectification') throw notFound(`no rectification request ${id}`);
    const held = await confirmShopCorrected(opts.pool, id);
    req.log.info({ requestId: id, held }, 'rectification overlay confirmed: the shop holds the correction');
    return r;
  }, actionDocs('Confirm the shop itself now holds a rectification (the overlay stops re-applying it)', null, null, { type: 'rectification', status: 'completed' }));
}
