import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import { badRequest, notFound } from '../platform/errors.js';
import { parseInput } from '../platform/validate.js';
import { docs } from '../platform/openapi.js';
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

const HOLD = { id: '3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f', email: 'jan@example.com', reason: 'tax inspection 2026-031', until: '2027-01-01T00:00:00.000Z',
  createdAt: '2026-06-01T09:00:00.000Z', releasedAt: null };
const tags = ['legal holds'];

/**
 * Legal holds (P12): a lawful demand stops retention and erasure for a subject until it is lifted (DELETE) or
 * its `until` passes. Matched by subject key, so a hold can precede the person's data.
 */
export async function legalHoldsRoutes(app: FastifyInstance, opts: { pool: Pool; clock: Clock; subjectKey: SubjectKeyOf }): Promise<void> {
  app.post('/legal-holds', docs({
    summary: 'Place a legal hold on a person (by email): retention and erasure stop until it is lifted or `until` passes', tags, body: createBody,
    examples: { body: { email: 'jan@example.com', reason: 'tax inspection 2026-031', until: '2027-01-01T00:00:00Z' }, invalid: { body: { email: 'jan', reason: 'x' } } },
    responses: { 201: { description: 'the hold', example: HOLD } },
  }), async (req, reply) => {
    const body = parseInput(createBody, req.body);
    const until = body.until ? new Date(body.until) : null;
    if (until && until <= opts.clock.now()) throw badRequest('until: must be in the future', 'invalid_request');
    const email = identifyingEmail(body.email)!;
    const hold = await insertHold(opts.pool, { email, subjectKey: opts.subjectKey(email), reason: body.reason, until });
    req.log.info({ holdId: hold.id }, 'legal hold placed');
    return reply.status(201).send(present(hold));
  });

  app.get('/legal-holds', docs({
    summary: 'List the holds in force', tags, responses: { 200: { description: 'active holds', example: { holds: [HOLD] } } },
  }), async () => ({ holds: (await activeHolds(opts.pool, opts.clock.now())).map(present) }));

  app.delete('/legal-holds/:id', docs({
    summary: 'Lift a legal hold', tags, params: idParams, examples: { params: { id: HOLD.id } },
    responses: { 204: { description: 'lifted' }, 404: { description: 'no such hold in force', example: { error: 'not_found', message: `no legal hold ${HOLD.id}`, reqId: 'req-1' } } },
  }), async (req, reply) => {
    const { id } = parseInput(idParams, req.params);
    if (!(await releaseHold(opts.pool, id, opts.clock.now()))) throw notFound(`no legal hold ${id}`);
    req.log.info({ holdId: id }, 'legal hold lifted');
    return reply.status(204).send();
  });
}
