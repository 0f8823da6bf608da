import { ADMIN_TOKEN, type TestContext, METRICS_TOKEN } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder, nextId, type OrderOverrides } from '../builders/woocommerce.js';

/** Shared by the retention tests: people whose last activity is a chosen instant, seeded through the real pipeline. */

export const DAY_MS = 86_400_000;
export const INACTIVE_MS = 730 * DAY_MS;
export const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** WooCommerce's *_gmt format: UTC without a zone, whole seconds. */
export const gmt = (d: Date) => d.toISOString().slice(0, 19);

/** A guest order whose every activity date (created, paid; never completed) is `at`. */
export function anOrderAt(at: Date, o: OrderOverrides = {}) {
  const t = gmt(at);
  return anOrder({ email: `ret-${nextId()}@example.com`, created: t, modified: t, date_paid: t, date_paid_gmt: t, ...o });
}

export interface Seeded { email: string; wcOrderId: number; personId: number }

/** Delivers the orders as webhooks, waits for the mirror, and returns each order's person. */
export async function seedOrders(ctx: TestContext, orders: ReturnType<typeof anOrder>[]): Promise<Seeded[]> {
  for (const o of orders) {
    const res = await ctx.app.inject(aDelivery(o, { topic: 'order.created' }));
    expect(res.statusCode).toBe(200);
  }
  await ctx.drained();
  const { rows } = await ctx.pool.query<{ wc_order_id: number; person_id: number }>(
    'SELECT wc_order_id, person_id FROM orders WHERE wc_order_id = ANY($1)', [orders.map((o) => o.id)]);
  const byOrder = new Map(rows.map((r) => [Number(r.wc_order_id), Number(r.person_id)]));
  return orders.map((o) => {
    const personId = byOrder.get(o.id);
    if (personId === undefined) throw new Error(`order ${o.id} was not mirrored`);
    return { email: o.billing.email, wcOrderId: o.id, personId };
  });
}

/** Person id → status, for the given people. */
export async function statuses(ctx: TestContext, personIds: number[]): Promise<Map<number, string>> {
  const { rows } = await ctx.pool.query<{ id: number; status: string }>('SELECT id, status FROM persons WHERE id = ANY($1)', [personIds]);
  return new Map(rows.map((r) => [Number(r.id), r.status]));
}

/** Ids of erased persons among `personIds`, sorted. */
export async function erasedAmong(ctx: TestContext, personIds: number[]): Promise<number[]> {
  const { rows } = await ctx.pool.query<{ id: number }>(
    `SELECT id FROM persons WHERE id = ANY($1) AND status = 'erased' ORDER BY id`, [personIds]);
  return rows.map((r) => Number(r.id));
}

/** Polls GET /api/retention/sweeps/:id until it leaves 'running'. */
export async function sweepSettled(ctx: TestContext, id: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await ctx.app.inject({ url: `/api/retention/sweeps/${id}`, headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    if (body.status !== 'running') return body;
    if (Date.now() > until) throw new Error(`sweep ${id} still running after ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const startSweep = (ctx: TestContext, payload: object = {}) =>
  ctx.app.inject({ method: 'POST', url: '/api/retention/sweeps', headers: auth, payload });

/** The value of one Prometheus sample from GET /metrics (0 when absent). */
export async function metricValue(ctx: TestContext, sample: string): Promise<number> {
  const res = await ctx.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.statusCode).toBe(200);
  const line = res.body.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}
