import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import { AppError, notFound } from '../platform/errors.js';
import { parseInput } from '../platform/validate.js';
import { identifyingEmail } from '../mirror/identity.js';
import type { SubjectKeyOf } from '../erasure/subject-key.js';
import { resetForRetry, syncsOfOrder } from './sync.repository.js';
import type { PushRelay } from './push-relay.js';
import type { ProcessorEntry } from './register.js';
import { audit } from '../audit/audit.repository.js';

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
/* $1 subject key */
const PERSON_BY_KEY = /* sql */ `SELECT person_id FROM person_emails WHERE subject_key = $1`;
/* $1 person id, $2 granted, $3 source */
const RECORD_CONSENT = /* sql */ `
  INSERT INTO consents (person_id, purpose, granted, source) VALUES ($1, 'review_invitation', $2, $3) RETURNING id, recorded_at`;
/* $1 person id — the history, newest first (the first row is the one in force) */
const CONSENT_HISTORY = /* sql */ `
  SELECT id, purpose, granted, source, recorded_at FROM consents WHERE person_id = $1 ORDER BY recorded_at DESC, id DESC`;

/** Operator routes of the processor pushes (under /api, bearer auth): sync state, retry, labels, consents, register. */
export async function processorsRoutes(
  app: FastifyInstance,
  opts: { pool: Pool; relay: PushRelay; subjectKey: SubjectKeyOf; register: ProcessorEntry[] },
): Promise<void> {
  app.get('/orders/:wcOrderId/sync', async (req) => {
    const { wcOrderId } = parseInput(orderParams, req.params);
    return { sync: (await syncsOfOrder(opts.pool, wcOrderId)).map(presentSync) };
  });

  app.post('/orders/:wcOrderId/sync/:processor/retry', async (req, reply) => {
    const { wcOrderId, processor } = parseInput(retryParams, req.params);
    const records = (await syncsOfOrder(opts.pool, wcOrderId)).filter((s) => s.processor === processor);
    if (!records.length) throw notFound(`order ${wcOrderId} has no ${processor} push`);
    // A failed push, or an invitation skipped for want of consent that was given since (P10).
    const retryable = records.filter((s) => s.status === 'failed' || (s.status === 'skipped' && s.reason === 'no_consent'));
    if (!retryable.length) {
      throw new AppError(409, 'not_failed', `the ${processor} push of order ${wcOrderId} is ${records.map((r) => r.status).join(', ')}; only a failed push can be retried`);
    }
    for (const r of retryable) await resetForRetry(opts.pool, r.id);
    opts.relay.kick();
    req.log.info({ wcOrderId, processor, syncIds: retryable.map((r) => r.id) }, 'push retry requested');
    return reply.status(202).send({ sync: (await syncsOfOrder(opts.pool, wcOrderId)).map(presentSync) });
  });

  app.get('/orders/:wcOrderId/label', async (req, reply) => {
    const { wcOrderId } = parseInput(orderParams, req.params);
    const row = (await opts.pool.query<{ barcode: string; label_pdf: Buffer | null }>(LABEL, [wcOrderId])).rows[0];
    if (!row) throw notFound(`order ${wcOrderId} has no PostNL label`);
    if (!row.label_pdf) throw new AppError(410, 'label_purged', `the label of order ${wcOrderId} was removed after its retention period or an erasure`);
    req.log.info({ wcOrderId }, 'shipment label read');
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${row.barcode}.pdf"`).send(row.label_pdf);
  });

  app.post('/consents', async (req, reply) => {
    const body = parseInput(consentBody, req.body);
    const email = identifyingEmail(body.email)!;
    const person = (await opts.pool.query<{ person_id: string }>(PERSON_BY_KEY, [opts.subjectKey(email)])).rows[0];
    if (!person) throw notFound('no person with this email in the mirror');
    const { rows } = await opts.pool.query(RECORD_CONSENT, [person.person_id, body.granted, body.source]);
    await audit(opts.pool, { actor: req.principal?.name ?? 'operator', action: body.granted ? 'consent.granted' : 'consent.withdrawn', subjectKey: opts.subjectKey(email), detail: { purpose: body.purpose, source: body.source } });
    return reply.status(201).send({ id: Number(rows[0].id), purpose: body.purpose, granted: body.granted, source: body.source, recordedAt: rows[0].recorded_at.toISOString() });
  });

  app.get('/consents', async (req) => {
    const q = parseInput(consentQuery, req.query);
    const person = (await opts.pool.query<{ person_id: string }>(PERSON_BY_KEY, [opts.subjectKey(identifyingEmail(q.email)!)])).rows[0];
    if (!person) throw notFound('no person with this email in the mirror');
    const { rows } = await opts.pool.query(CONSENT_HISTORY, [person.person_id]);
    return { consents: rows.map((r) => ({ id: Number(r.id), purpose: r.purpose, granted: r.granted, source: r.source, recordedAt: r.recorded_at.toISOString() })) };
  });

  app.get('/processors', async () => ({ processors: opts.register }));
}

export function presentSync(s: Awaited<ReturnType<typeof syncsOfOrder>>[number]) {
  return {
    processor: s.processor, kind: s.kind, ref: s.ref || null, status: s.status, reason: s.reason,
    externalId: s.externalId, attempts: s.attempts, lastError: s.lastError, updatedAt: s.updatedAt,
  };
}
