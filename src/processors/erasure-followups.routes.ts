import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import { parseInput } from '../platform/validate.js';
import { docs } from '../platform/openapi.js';
import { type ErasureFollowUp, listErasureFollowUps } from './erasure-followups.repository.js';
import { closeErasureFollowUp } from './erasure-followups.service.js';

/** The forgotten person's data must not come back through the note: an address in it is refused. */
const note = z.string('expected a string').trim().min(3, 'say what was done (at least 3 characters)').max(1000)
  .refine((n) => !/\S+@\S+\.\S+/.test(n), 'leave email addresses out of the note: name order numbers or a ticket instead');
const resolveBody = z.object({ note }, 'expected a JSON object {"note"}').strict();
/** The desk's form: the same note, beside the form's CSRF field. */
export const resolveForm = z.object({ note });
const listQuery = z.object({ state: z.enum(['open', 'resolved', 'all'], 'state must be open, resolved or all').default('open') });
const idParams = z.object({ id: z.coerce.number('expected a number').int().positive().max(Number.MAX_SAFE_INTEGER) });

const ITEM = {
  id: 17, tombstoneId: 'c2d3e4f5-6a7b-4c8d-9e0f-1a2b3c4d5e6f', processor: 'reviews', status: 'manual_required',
  detail: 'kiyoh cannot erase through its API: ask it to erase by hand', orders: ['1042', '1043'],
  createdAt: '2026-06-01T03:00:12.000Z', resolvedAt: null, resolvedBy: null, note: null,
};
const tags = ['processors'];

export const presentFollowUp = (f: ErasureFollowUp) => ({
  ...f, createdAt: f.createdAt.toISOString(), resolvedAt: f.resolvedAt?.toISOString() ?? null,
});

/** Under /api: the processor erasures (Art. 19) an operator must finish by hand, and closing one. */
export async function erasureFollowUpRoutes(app: FastifyInstance, opts: { pool: Pool }): Promise<void> {
  app.get('/processor-erasures', docs({
    summary: 'Processor erasures to finish by hand (Art. 19): failed, or the processor has no erase API; oldest first',
    description: 'Each names the order numbers whose pushes may have reached the processor, to find the data there. '
      + 'state=open (default) lists the ones not closed yet, resolved the closed ones, all both; at most 500.',
    tags, querystring: listQuery, examples: { querystring: { state: 'open' }, invalid: { querystring: { state: 'pending' } } },
    responses: { 200: { description: 'the items', example: { followUps: [ITEM] } } },
  }), async (req) => {
    const { state } = parseInput(listQuery, req.query);
    return { followUps: (await listErasureFollowUps(opts.pool, state)).map(presentFollowUp) };
  });

  app.post('/processor-erasures/:id/resolve', docs({
    summary: 'Close a processor erasure done by hand, saying what was done (audited with the operator\'s name)',
    tags, params: idParams, body: resolveBody,
    examples: { params: { id: 17 }, body: { note: 'asked Kiyoh support to delete the reviews of orders 1042 and 1043, ticket 5531' } },
    responses: {
      200: { description: 'closed', example: { followUp: { ...ITEM, resolvedAt: '2026-06-02T09:12:00.000Z', resolvedBy: 'anna', note: 'ticket 5531' } } },
      404: { description: 'no such item needing hand work', example: { error: 'not_found', message: 'there is no processor erasure 17 that needs hand work', reqId: 'req-1' } },
      409: { description: 'closed before', example: { error: 'already_resolved', message: 'processor erasure 17 was closed by anna at 2026-06-02T09:12:00.000Z', reqId: 'req-1' } },
    },
  }), async (req) => {
    const { id } = parseInput(idParams, req.params);
    const { note } = parseInput(resolveBody, req.body);
    const item = await closeErasureFollowUp(opts.pool, id, req.principal?.name ?? 'operator', note);
    req.log.info({ followUpId: id, processor: item.processor }, 'processor erasure closed by hand');
    return { followUp: presentFollowUp(item) };
  });
}
