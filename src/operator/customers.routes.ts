import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import { badRequest, notFound } from '../platform/errors.js';
import { normaliseEmail } from '../mirror/identity.js';
import { findPersonIdsByEmail, loadLines, loadOrder, loadOrdersOfPersons, loadPersons } from './customers.repository.js';
import { presentOrder, presentPerson } from './present.js';
import { syncsOfOrder } from '../processors/sync.repository.js';
import { presentSync } from '../processors/processors.routes.js';

const customersQuery = z.object({ email: z.string().trim().min(3, 'email is required').max(320) });
const orderParams = z.object({ wcOrderId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '), 'invalid_request');
  return r.data;
}

function groupBy<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}

/** Operator read API over the mirror (behind the bearer token, registered under /api). */
export async function customersRoutes(app: FastifyInstance, opts: { pool: Pool }): Promise<void> {
  app.get('/customers', async (req) => {
    const { email } = parse(customersQuery, req.query);
    const ids = await findPersonIdsByEmail(opts.pool, normaliseEmail(email));
    if (!ids.length) return { customers: [] };
    const [persons, orders] = await Promise.all([loadPersons(opts.pool, ids), loadOrdersOfPersons(opts.pool, ids)]);
    const lines = groupBy(await loadLines(opts.pool, orders.map((o) => o.id)), (l) => l.order_id);
    const byPerson = groupBy(orders, (o) => o.person_id);
    return {
      customers: persons.map((p) => presentPerson(p, (byPerson.get(p.id) ?? []).map((o) => presentOrder(o, lines.get(o.id) ?? [])))),
    };
  });

  app.get('/orders/:wcOrderId', async (req) => {
    const { wcOrderId } = parse(orderParams, req.params);
    const order = await loadOrder(opts.pool, wcOrderId);
    if (!order) throw notFound(`order ${wcOrderId} is not in the mirror`);
    const [lines, sync] = await Promise.all([loadLines(opts.pool, [order.id]), syncsOfOrder(opts.pool, wcOrderId)]);
    return { ...presentOrder(order, lines), customerId: order.person_id, sync: sync.map(presentSync) };
  });
}
