import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type Pool, withTransaction } from '../platform/db.js';
import { AppError, notFound } from '../platform/errors.js';
import { parseInput } from '../platform/validate.js';
import { identifyingEmail } from '../mirror/identity.js';
import type { SubjectKeyOf } from '../erasure/subject-key.js';
import { reviveInvitationsOf, syncsOfOrder } from './sync.repository.js';
import { retryPush } from './push-retry.js';
import type { PushRelay } from './push-relay.js';
import type { ProcessorEntry } from './register.js';
import { audit } from '../audit/audit.repository.js';
import { docs } from '../platform/openapi.js';
import type { Clock } from '../platform/clock.js';

const orderParams = z.object({ wcOrderId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const retryParams = orderParams.extend({ processor: z.enum(['snelstart', 'postnl', 'reviews'], 'processor must be snelstart, postnl or reviews') });
const consentBody = z.object({
  email: z.string().trim().max(320).refine((v) => identifyingEmail(v) !== null, 'expected an email address'),
  purpose: z.literal('review_invitation', 'purpose must be review_invitation'),
  granted: z.boolean(),
  source: z.enum(['api', 'request', 'operator', 'email', 'form']).default('api'),
}).strict();
const consentQuery = z.object({ email: z.string().trim().max(320).refine((v) => identifyingEmail(v) !== null, 'expected an email address') });

/* $1 wc order id */
const LABEL = /* sql */ `SELECT l.barcode, l.label_pdf FROM shipment_labels l JOIN orders o ON o.id = l.order_id WHERE o.wc_order_id = $1`;
/* $1 wc order id — a parcel was made, so a missing label was removed (an erasure deletes the row), not never there */
const SHIPPED = /* sql */ `
  SELECT EXISTS (SELECT 1 FROM processor_syncs s JOIN orders o ON o.id = s.order_id
                 WHERE o.wc_order_id = $1 AND s.processor = 'postnl' AND s.kind = 'shipment' AND s.status = 'done') AS shipped`;
/* $1 subject key */
const PERSON_BY_KEY = /* sql */ `SELECT person_id FROM person_emails WHERE subject_key = $1`;
/* $1 person id, $2 granted, $3 source */
const RECORD_CONSENT = /* sql */ `
  INSERT INTO consents (person_id, purpose, granted, source) VALUES ($1, 'review_invitation', $2, $3) RETURNING id, recorded_at`;
/* $1 person id — the history, newest first (the first row is the one in force) */
const CONSENT_HISTORY = /* sql */ `
  SELECT id, purpose, granted, source, recorded_at FROM consents WHERE person_id = $1 ORDER BY recorded_at DESC, id DESC`;

const SYNC = { processor: 'snelstart', kind: 'booking', ref: null, status: 'failed', reason: null, externalId: null, attempts: 8,
  lastError: 'snelstart 422: ledger account 8000 is closed', updatedAt: '2026-06-01T10:00:00.000Z' };
const CONSENT = { id: 31, purpose: 'review_invitation', granted: true, source: 'operator', recordedAt: '2026-06-01T10:00:00.000Z' };
const order = { params: orderParams, examples: { params: { wcOrderId: 1042 } } };
const tags = ['processors'];

/** Operator routes of the processor pushes (under /api, bearer auth): sync state, retry, labels, consents, register. */
export async function processorsRoutes(
  app: FastifyInstance,
  opts: { pool: Pool; relay: PushRelay; subjectKey: SubjectKeyOf; register: ProcessorEntry[]; clock: Clock },
): Promise<void> {
  app.get('/orders/:wcOrderId/sync', docs({
    summary: 'What was pushed to each processor for an order (Snelstart, PostNL, reviews)', tags, ...order,
    responses: { 200: { description: 'sync records', example: { sync: [SYNC] } } },
  }), async (req) => {
    const { wcOrderId } = parseInput(orderParams, req.params);
    return { sync: (await syncsOfOrder(opts.pool, wcOrderId)).map(presentSync) };
  });

  app.post('/orders/:wcOrderId/sync/:processor/retry', docs({
    summary: 'Retry a failed push (or an invitation skipped for want of consent given since)', tags,
    params: retryParams, examples: { params: { wcOrderId: 1042, processor: 'snelstart' }, invalid: { params: { wcOrderId: '1042', processor: 'exact' } } },
    responses: {
      202: { description: 'back in the outbox', example: { sync: [{ ...SYNC, status: 'pending', lastError: null }] } },
      409: { description: 'nothing failed', example: { error: 'not_failed', message: 'the snelstart push of order 1042 is done; only a failed push can be retried', reqId: 'req-1' } },
    },
  }), async (req, reply) => {
    const { wcOrderId, processor } = parseInput(retryParams, req.params);
    const syncIds = await retryPush(opts.pool, opts.relay, wcOrderId, processor);
    req.log.info({ wcOrderId, processor, syncIds }, 'push retry requested');
    return reply.status(202).send({ sync: (await syncsOfOrder(opts.pool, wcOrderId)).map(presentSync) });
  });

  app.get('/orders/:wcOrderId/label', docs({
    summary: 'The PostNL shipping label of an order, as PDF (the read is audited)', tags, ...order,
    responses: {
      200: { description: 'the label', type: 'application/pdf', example: '%PDF-1.4 …' },
      410: { description: 'removed after its retention period or an erasure', example: { error: 'label_purged', message: 'the label of order 1042 was removed after its retention period or an erasure', reqId: 'req-1' } },
    },
  }), async (req, reply) => {
    const { wcOrderId } = parseInput(orderParams, req.params);
    const row = (await opts.pool.query<{ barcode: string; label_pdf: Buffer | null }>(LABEL, [wcOrderId])).rows[0];
    const shipped = async () => (await opts.pool.query<{ shipped: boolean }>(SHIPPED, [wcOrderId])).rows[0]!.shipped;
    if (!row && !(await shipped())) throw notFound(`order ${wcOrderId} has no PostNL label`);
    if (!row?.label_pdf) throw new AppError(410, 'label_purged', `the label of order ${wcOrderId} was removed after its retention period or an erasure`);
    req.log.info({ wcOrderId }, 'shipment label read');
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${row.barcode}.pdf"`).send(row.label_pdf);
  });

  app.post('/consents', docs({
    summary: 'Record a consent (granted or withdrawn) for review invitations, with its source; the history is kept. A grant '
      + 'revives the person\'s invitations skipped for want of consent that were not due yet', tags: ['consents'],
    body: consentBody, examples: { body: { email: 'jan@example.com', purpose: 'review_invitation', granted: true, source: 'operator' } },
    responses: { 201: { description: 'the recorded consent', example: CONSENT },
      404: { description: 'no such person', example: { error: 'not_found', message: 'no person with this email in the mirror', reqId: 'req-1' } } },
  }), async (req, reply) => {
    const body = parseInput(consentBody, req.body);
    const email = identifyingEmail(body.email)!;
    const person = (await opts.pool.query<{ person_id: string }>(PERSON_BY_KEY, [opts.subjectKey(email)])).rows[0];
    if (!person) throw notFound('no person with this email in the mirror');
    // A grant also revives the person's invitations skipped for want of it that are not due yet (P10).
    const { rows, revived } = await withTransaction(opts.pool, async (db) => ({
      rows: (await db.query(RECORD_CONSENT, [person.person_id, body.granted, body.source])).rows,
      revived: body.granted ? await reviveInvitationsOf(db, Number(person.person_id), opts.clock.now()) : 0,
    }));
    if (revived) opts.relay.kick();
    await audit(opts.pool, { actor: req.principal?.name ?? 'operator', action: body.granted ? 'consent.granted' : 'consent.withdrawn', subjectKey: opts.subjectKey(email), detail: { purpose: body.purpose, source: body.source } });
    return reply.status(201).send({ id: Number(rows[0].id), purpose: body.purpose, granted: body.granted, source: body.source, recordedAt: rows[0].recorded_at.toISOString() });
  });

  app.get('/consents', docs({
    summary: 'A person\'s consent history, newest (in force) first (the read is audited)', tags: ['consents'],
    querystring: consentQuery, examples: { querystring: { email: 'jan@example.com' } },
    responses: { 200: { description: 'the history', example: { consents: [CONSENT, { ...CONSENT, id: 30, granted: false, source: 'api', recordedAt: '2026-01-10T08:00:00.000Z' }] } } },
  }), async (req) => {
    const q = parseInput(consentQuery, req.query);
    const person = (await opts.pool.query<{ person_id: string }>(PERSON_BY_KEY, [opts.subjectKey(identifyingEmail(q.email)!)])).rows[0];
    if (!person) throw notFound('no person with this email in the mirror');
    const { rows } = await opts.pool.query(CONSENT_HISTORY, [person.person_id]);
    return { consents: rows.map((r) => ({ id: Number(r.id), purpose: r.purpose, granted: r.granted, source: r.source, recordedAt: r.recorded_at.toISOString() })) };
  });

  app.get('/processors', docs({
    summary: 'The processor register: who receives which personal data, why, on what basis, where and for how long', tags,
    responses: { 200: { description: 'the register', example: { processors: [{ id: 'postnl', name: 'PostNL (delivery)', purpose: 'delivering the order',
      promises: ['P8'], dataCategories: ['name', 'delivery address', 'email/phone only with track-and-trace enabled'], fields: ['Shipments[].Addresses[].Name', 'Shipments[].Addresses[].Street', 'Shipments[].Barcode'],
      sharedBy: 'woo-companion', legalBasis: 'contract', location: 'Netherlands (EU)', retention: "PostNL's own retention for shipment data", canErase: false }] } } },
  }), async () => ({ processors: opts.register }));
}

export function presentSync(s: Awaited<ReturnType<typeof syncsOfOrder>>[number]) {
  return {
    processor: s.processor, kind: s.kind, ref: s.ref || null, status: s.status, reason: s.reason,
    externalId: s.externalId, attempts: s.attempts, lastError: s.lastError, updatedAt: s.updatedAt,
  };
}
