import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import { badRequest, notFound } from '../platform/errors.js';
import { parseInput } from '../platform/validate.js';
import { identifyingEmail } from '../mirror/identity.js';
import type { SubjectKeyOf } from '../erasure/subject-key.js';
import { type HoldRow, activeHolds, insertHold, releaseHold } from './holds.repository.js';

const createBody = z.object({
  email: z.string().trim().max(320).refine((v) => identifyingEmail(v) !== null, 'expected an email address'),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
  until: z.iso.datetime({ offset: true }).nullish(),
});
const idParams = z.object({ id: z.uuid('expected a hold id') });

const present = (h: HoldRow) => ({
  id: h.id, email: h.email, reason: h.reason, until: h.until?.toISOString() ?? null,
  createdAt: h.created_at.toISOString(), releasedAt: h.released_at?.toISOString() ?? null,
});

/**
 * Legal holds (P12): a lawful demand stops retention and erasure for a subject until it is lifted (DELETE) or
 * its `until` passes. Matched by subject key, so a hold can precede the person's data.
 */
export async function legalHoldsRoutes(app: FastifyInstance, opts: { pool: Pool; clock: Clock; subjectKey: SubjectKeyOf }): Promise<void> {
  app.post('/legal-holds', async (req, reply) => {
    const body = parseInput(createBody, req.body);
    const until = body.until ? new Date(body.until) : null;
    if (until && until <= opts.clock.now()) throw badRequest('until: must be in the future', 'invalid_request');
    const email = identifyingEmail(body.email)!;
    const hold = await insertHold(opts.pool, { email, subjectKey: opts.subjectKey(email), reason: body.reason, until });
    req.log.info({ holdId: hold.id }, 'legal hold placed');
    return reply.status(201).send(present(hold));
  });

  app.get('/legal-holds', async () => ({ holds: (await activeHolds(opts.pool, opts.clock.now())).map(present) }));

  app.delete('/legal-holds/:id', async (req, reply) => {
    const { id } = parseInput(idParams, req.params);
    if (!(await releaseHold(opts.pool, id, opts.clock.now()))) throw notFound(`no legal hold ${id}`);
    req.log.info({ holdId: id }, 'legal hold lifted');
    return reply.status(204).send();
  });
}
