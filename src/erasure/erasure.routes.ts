import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../platform/validate.js';
import type { EraseSubject } from './erase-subject.js';
import { docs } from '../platform/openapi.js';

// One object with a rule, not a union: a bad field is named in the 400 (a union only says "Invalid input").
const body = z.object({
  email: z.string('expected a string').trim().min(3).max(320).optional(),
  personId: z.number('expected a number').int().positive().optional(),
  reason: z.enum(['request', 'operator'], 'reason must be request or operator').default('operator'),
  ref: z.string().max(100).nullish(),
}, 'expected a JSON object {"email"} or {"personId"}').strict()
  .refine((b) => (b.email === undefined) !== (b.personId === undefined), { message: 'give either email or personId (one of them)', path: ['email'] });

/**
 * POST /api/erasures — "forget me", by email or person id: 200 {status: erased | already_erased, ...};
 * 404 when no customer, order or account has the email; 409 legal_hold while a hold applies (P12). Privacy requests (a later capability)
 * call the same eraseSubject.
 */
export async function erasureRoutes(app: FastifyInstance, opts: { eraseSubject: EraseSubject }): Promise<void> {
  app.post('/erasures', docs({
    summary: 'Erase a person ("forget me") by email or person id: the mirror, queues, labels and processors',
    description: '404 when no customer, order or account has the email; 409 legal_hold while a legal hold applies (P12). Idempotent: a second call answers already_erased.',
    tags: ['erasure'], body,
    examples: { body: { email: 'jan@example.com', reason: 'operator', ref: 'ticket 4711' } },
    responses: {
      200: { description: 'erased, or erased before', example: {
        status: 'erased', erasedAt: '2026-06-01T10:00:00.000Z', tombstoneIds: ['c2d3e4f5-6a7b-4c8d-9e0f-1a2b3c4d5e6f'],
        counts: { persons: 1, orders: 3, 'webhook-inbox': 5 },
        processors: [{ tombstoneId: 'c2d3e4f5-6a7b-4c8d-9e0f-1a2b3c4d5e6f', processor: 'reviews', status: 'done', detail: null }],
      } },
      409: { description: 'a legal hold applies', example: { error: 'legal_hold', message: 'a legal hold applies to this person: erasure is suspended until it ends (P12)', reqId: 'req-1' } },
    },
  }), async (req) => {
    const input = parseInput(body, req.body);
    const target = input.email !== undefined ? { email: input.email } : { personId: input.personId! };
    const outcome = await opts.eraseSubject(target, { reason: input.reason, ref: input.ref ?? null });
    req.log.info({ status: outcome.status, tombstoneIds: outcome.tombstoneIds }, 'erasure');
    return outcome;
  });
}
