import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../platform/validate.js';
import type { EraseSubject } from './erase-subject.js';

const body = z.union([
  z.object({ email: z.string().trim().min(3).max(320), reason: z.enum(['request', 'operator']).default('operator'), ref: z.string().max(100).nullish() }),
  z.object({ personId: z.number().int().positive(), reason: z.enum(['request', 'operator']).default('operator'), ref: z.string().max(100).nullish() }),
]);

/**
 * POST /api/erasures — "forget me", by email or person id: 200 {status: erased | already_erased, ...};
 * 404 when no data is held; 409 legal_hold while a hold applies (P12). Privacy requests (a later capability)
 * call the same eraseSubject.
 */
export async function erasureRoutes(app: FastifyInstance, opts: { eraseSubject: EraseSubject }): Promise<void> {
  app.post('/erasures', async (req) => {
    const input = parseInput(body, req.body);
    const target = 'email' in input ? { email: input.email } : { personId: input.personId };
    const outcome = await opts.eraseSubject(target, { reason: input.reason, ref: input.ref ?? null });
    req.log.info({ status: outcome.status, tombstoneIds: outcome.tombstoneIds }, 'erasure');
    return outcome;
  });
}
