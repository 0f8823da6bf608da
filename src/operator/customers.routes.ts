import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../platform/db.js';
import { badRequest, notFound } from '../platform/errors.js';
import { normaliseEmail } from '../mirror/identity.js';
import { findPersonIdsByEmail, loadLines, loadOrder, loadOrdersOfPersons, loadPersons } from './customers.repository.js';
import { presentOrder, presentPerson } from './present.js';
import { syncsOfOrder } from '../processors/sync.repository.js';
import { presentSync } from '../processors/processors.routes.js';
import { docs } from '../platform/openapi.js';

const customersQuery = z.object({ email: z.string().trim().min(3, 'email is required').max(320) });
const orderParams = z.object({ wcOrderId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '), 'invalid_request');
  return r.data;
}

const ADDRESS = { firstName: 'Jan', lastName: 'Jansen', company: '', address1: 'Oudegracht 1', address2: '', city: 'Utrecht', state: '',
  postcode: '3511 AA', country: 'NL', email: 'jan@example.com', phone: '' };
const ORDER = {
  wcOrderId: 1042, number: '1042', status: 'completed', currency: 'EUR', total: '59.95', totalTax: '10.40', shippingTotal: '4.95', discountTotal: '0.00',
  paymentMethodTitle: 'iDEAL', ipAddress: '203.0.113.7', billing: ADDRESS, shipping: ADDRESS, dateCreated: '2026-03-14T09:00:00.000Z',
  dateModified: '2026-03-15T12:00:00.000Z', datePaid: '2026-03-14T09:01:00.000Z', dateCompleted: '2026-03-15T12:00:00.000Z', policyVersion: '2023-08-21',
  items: [{ name: 'Teapot', sku: 'TP-01', quantity: 1, total: '49.95' }],
};
const tags = ['customers and orders'];

function groupBy<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}

/** Operator read API over the mirror (behind the bearer token, registered under /api). */
export async function customersRoutes(app: FastifyInstance, opts: { pool: Pool }): Promise<void> {
  app.get('/customers', docs({
    summary: 'Find a person by email: their status (erased, objected, restricted, active), holds and orders (the read is audited)',
    tags, querystring: customersQuery, examples: { querystring: { email: 'jan@example.com' } },
    responses: { 200: { description: 'matching people (none: an empty list)', example: { customers: [{
      id: 7, emails: ['jan@example.com'], email: 'jan@example.com', firstName: 'Jan', lastName: 'Jansen', wcCustomerId: 12,
      lastActivityAt: '2026-03-15T12:00:00.000Z', status: 'active', restricted: false, objection: false, legalHold: false,
      accountDeletedAt: null, policyVersion: '2023-08-21', orders: [ORDER],
    }] } } },
  }), async (req) => {
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

  app.get('/orders/:wcOrderId', docs({
    summary: 'One mirrored order with its lines and processor sync state (the read is audited)', tags,
    params: orderParams, examples: { params: { wcOrderId: 1042 } },
    responses: {
      200: { description: 'the order', example: { ...ORDER, customerId: 7, sync: [{ processor: 'snelstart', kind: 'booking', ref: null, status: 'done',
        reason: null, externalId: 'SN-88123', attempts: 1, lastError: null, updatedAt: '2026-03-15T12:01:00.000Z' }] } },
      404: { description: 'not in the mirror', example: { error: 'not_found', message: 'order 1042 is not in the mirror', reqId: 'req-1' } },
    },
  }), async (req) => {
    const { wcOrderId } = parse(orderParams, req.params);
    const order = await loadOrder(opts.pool, wcOrderId);
    if (!order) throw notFound(`order ${wcOrderId} is not in the mirror`);
    const [lines, sync] = await Promise.all([loadLines(opts.pool, [order.id]), syncsOfOrder(opts.pool, wcOrderId)]);
    return { ...presentOrder(order, lines), customerId: order.person_id, sync: sync.map(presentSync) };
  });
}
