import { createHash } from 'node:crypto';
import { createTestContext, type TestContext } from '../setup/context.js';
import { insertDeliveries } from '../../src/intake/inbox.repository.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';

/**
 * The set-based fast path must give exactly what one-by-one application gives. The same deliveries go into two
 * schemas: applied in one call (runs of orders take the fast path) and one at a time (always one by one).
 */
let batched: TestContext;
let single: TestContext;
beforeAll(async () => {
  [batched, single] = [await createTestContext(), await createTestContext()];
});
afterAll(async () => {
  await batched.close();
  await single.close();
});

function delivery(topic: string, body: unknown) {
  const buf = Buffer.from(JSON.stringify(body));
  return { source: 'https://shop.example', topic, webhookId: null, body: buf, bodySha256: createHash('sha256').update(buf).digest() };
}

async function snapshot(ctx: TestContext) {
  const q = async (sql: string) => (await ctx.pool.query(sql)).rows;
  // Person ids differ between schemas; describe each person by its smallest order id, emails and customer id.
  return {
    persons: await q(`
      SELECT (SELECT min(wc_order_id) FROM orders o WHERE o.person_id = p.id) AS first_order, p.wc_customer_id,
             p.first_name, p.last_name, p.last_activity_at, p.policy_version,
             (SELECT array_agg(email ORDER BY email) FROM person_emails e WHERE e.person_id = p.id) AS emails
      FROM persons p ORDER BY 1 NULLS LAST, 2 NULLS LAST, 7`),
    orders: await q(`
      SELECT o.wc_order_id, o.status, o.total, o.billing, o.ip_address, o.date_modified_gmt, o.inbox_id, o.first_seen_via, o.history,
             (SELECT min(wc_order_id) FROM orders x WHERE x.person_id = o.person_id) AS person_first_order
      FROM orders o ORDER BY wc_order_id`),
    lines: await q(`SELECT o.wc_order_id, l.position, l.kind, l.name, l.code, l.quantity, l.total, l.total_tax
                    FROM order_lines l JOIN orders o ON o.id = l.order_id ORDER BY 1, 2`),
    outcomes: await q(`SELECT id, outcome FROM webhook_inbox ORDER BY id`),
  };
}

describe('mirror fast path', () => {
  test('when a mixed batch is applied in one call, then the mirror equals one-by-one application', async () => {
    const shared = `shared-${nextId()}@example.com`;
    const o1 = nextId();
    const customer = aCustomer({ email: `reg-${nextId()}@example.com` });
    const guest = `guest-${nextId()}@example.com`;
    const named = `named-${nextId()}@example.com`;
    const deliveries = [
      delivery('order.created', anOrder({ id: o1, email: shared, status: 'pending', modified: '2025-04-01T10:00:00' })),
      delivery('order.created', anOrder({ email: shared, first_name: 'Anna' })), // same new person
      delivery('order.updated', anOrder({ id: o1, email: shared, status: 'processing', modified: '2025-04-01T10:05:00' })),
      delivery('order.updated', anOrder({ id: o1, email: shared, status: 'cancelled', modified: '2025-04-01T10:01:00' })), // stale
      delivery('order.created', anOrder({ email: 'deleted@site.invalid' })),
      delivery('order.created', anOrder({ customer_id: 9_000_001, email: `new-reg-${nextId()}@example.com` })),
      delivery('order.created', anOrder({ customer_id: 9_000_001, email: `second-${nextId()}@example.com`, first_name: 'Bob' })),
      delivery('order.created', anOrder({ email: named, first_name: 'Zed', last_name: 'Lee' })),
      delivery('order.created', anOrder({ email: named, first_name: '', last_name: '' })), // the guest keeps Zed
      delivery('customer.created', customer), // breaks the run: one by one
      delivery('order.created', anOrder({ customer_id: customer.id, email: customer.email })),
      delivery('order.created', anOrder({ email: guest })),
      delivery('order.created', anOrder({ customer_id: 9_000_002, email: guest })), // guest email claimed: merge → fallback
      delivery('order.created', anOrder({ email: `x\u0000-${nextId()}@example.com`, first_name: 'Nul\u0000' })), // Postgres refuses
    ];
    await insertDeliveries(batched.pool, deliveries);
    await insertDeliveries(single.pool, deliveries);
    const ids = async (ctx: TestContext) => (await ctx.pool.query('SELECT id FROM webhook_inbox ORDER BY id')).rows.map((r) => r.id);

    await batched.deps.mirror.applyDeliveries(await ids(batched));
    const fastPath = async () => Object.fromEntries((await batched.deps.metrics.mirrorFastPath.get()).values.map((v) => [v.labels.result, v.value]));
    expect(await fastPath()).toEqual({ used: 1, declined: 1 }); // the first run of orders; the merge run declines
    for (const id of await ids(single)) await single.deps.mirror.applyDeliveries([id]);

    const [a, b] = [await snapshot(batched), await snapshot(single)];
    expect(a.orders.length).toBe(10);
    expect(a.persons.find((p) => p.emails?.includes(named))).toMatchObject({ first_name: 'Zed', last_name: 'Lee' });
    expect(a).toEqual(b);
    const outcomes = a.outcomes.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'stale')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'failed')).toHaveLength(1);
  });

  test('when many orders arrive at once, then the fast path applies them with a few statements and the same result', async () => {
    const orders = Array.from({ length: 300 }, (_, i) => anOrder({ email: `bulk-${i % 120}@example.com` }));
    await insertDeliveries(batched.pool, orders.map((o) => delivery('order.created', o)));
    const { rows } = await batched.pool.query("SELECT id FROM webhook_inbox WHERE outcome IS NULL ORDER BY id");
    const results = await batched.deps.mirror.applyDeliveries(rows.map((r) => r.id));
    expect([...results.values()].every((r) => r.ok && r.outcome === 'applied')).toBe(true);
    expect((await batched.deps.metrics.mirrorFastPath.get()).values.find((v) => v.labels.result === 'used')?.value).toBe(2);
    const { rows: persons } = await batched.pool.query(
      "SELECT count(DISTINCT person_id)::int AS n FROM person_emails WHERE email LIKE 'bulk-%'");
    expect(persons[0].n).toBe(120);
  });
});
