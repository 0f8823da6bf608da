import { ADMIN_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { createHash } from 'node:crypto';
import { insertDeliveries } from '../../src/intake/inbox.repository.js';

/** Deliveries go in through the real webhook route, the relay and a real worker; assertions go through the API. */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());

async function deliver(body: unknown, topic: string, source?: string) {
  const res = await ctx.app.inject(aDelivery(body, { topic, source }));
  expect(res.statusCode).toBe(200);
  return res.json().status as string;
}
async function customersByEmail(email: string) {
  const res = await ctx.app.inject({ url: `/api/customers?email=${encodeURIComponent(email)}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.statusCode).toBe(200);
  return res.json().customers as any[];
}
async function order(wcOrderId: number) {
  const res = await ctx.app.inject({ url: `/api/orders/${wcOrderId}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: res.statusCode, body: res.json() };
}
async function outcomes() {
  const { rows } = await ctx.pool.query('SELECT outcome, count(*)::int AS n FROM webhook_inbox GROUP BY outcome');
  return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
}

describe('mirror: orders and customers from webhooks', () => {
  test('when an order is created, then the API shows it with its person, lines and money as decimal text', async () => {
    const email = `created-${nextId()}@example.com`;
    const o = anOrder({ email });
    expect(await deliver(o, 'order.created')).toBe('accepted');
    await ctx.drained();
    const [c] = await customersByEmail(email);
    expect(c).toMatchObject({ email, emails: [email], firstName: 'Ann', lastName: 'Lee', wcCustomerId: null, status: 'active' });
    expect(c.lastActivityAt).toBe('2025-01-02T09:01:00.000Z');
    expect(c.orders).toHaveLength(1);
    expect(c.orders[0]).toMatchObject({
      wcOrderId: o.id, number: String(o.id), status: 'processing', currency: 'EUR', total: '28.63',
      billing: { firstName: 'Ann', lastName: 'Lee', address1: 'Keizersgracht 1', city: 'Amsterdam', postcode: '1015 AA', country: 'NL', email, phone: '+31 6 12345678' },
      items: [{ name: 'Mok – blauw', sku: 'MUG-BLUE', quantity: 2, total: '20.00' }],
    });
    const one = await order(o.id);
    expect(one.status).toBe(200);
    expect(one.body.customerId).toBe(c.id);
  });

  test('P11: the IP address is truncated before storage and the user agent is not kept', async () => {
    const v4 = anOrder({ ip: '203.0.113.77' });
    const v6 = anOrder({ ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348' });
    await deliver(v4, 'order.created');
    await deliver(v6, 'order.created');
    await ctx.drained();
    expect((await order(v4.id)).body.ipAddress).toBe('203.0.113.0');
    expect((await order(v6.id)).body.ipAddress).toBe('2001:db8:85a3:8d3::');
    const { rows } = await ctx.pool.query("SELECT count(*)::int AS n FROM orders WHERE row_to_json(orders)::text ILIKE '%Mozilla%' OR row_to_json(orders)::text LIKE '%203.0.113.77%'");
    expect(rows[0].n).toBe(0);
  });

  test('P22: the policy version in force is stored with each person and order', async () => {
    const email = `policy-${nextId()}@example.com`;
    const o = anOrder({ email });
    await deliver(o, 'order.created');
    await ctx.drained();
    const [c] = await customersByEmail(email);
    expect(c.policyVersion).toBe('2023-08-21');
    expect(c.orders[0].policyVersion).toBe('2023-08-21');
  });

  test('when updates arrive out of order, then the newest date_modified_gmt wins and the older one is stale', async () => {
    const id = nextId();
    const email = `ooo-${id}@example.com`;
    await deliver(anOrder({ id, email, status: 'pending', modified: '2025-02-01T10:00:00' }), 'order.created');
    await ctx.drained();
    await deliver(anOrder({ id, email, status: 'completed', modified: '2025-02-01T10:05:00' }), 'order.updated');
    await ctx.drained();
    await deliver(anOrder({ id, email, status: 'processing', modified: '2025-02-01T10:02:00' }), 'order.updated');
    await ctx.drained();
    expect((await order(id)).body.status).toBe('completed');
    const { rows } = await ctx.pool.query("SELECT outcome FROM webhook_inbox WHERE convert_from(body, 'UTF8') LIKE $1 ORDER BY id", [`%${id}%`]);
    expect(rows.map((r) => r.outcome)).toEqual(['applied', 'applied', 'stale']);
  });

  test('when two updates share a second with different bodies, then the later received wins', async () => {
    const id = nextId();
    await deliver(anOrder({ id, status: 'processing', modified: '2025-03-01T10:00:00' }), 'order.updated');
    await deliver(anOrder({ id, status: 'completed', modified: '2025-03-01T10:00:00' }), 'order.updated');
    await ctx.drained();
    expect((await order(id)).body.status).toBe('completed');
  });

  test('when the same body is delivered twice, then the second is a duplicate and is applied once', async () => {
    const o = anOrder();
    expect(await deliver(o, 'order.created')).toBe('accepted');
    expect(await deliver(o, 'order.created')).toBe('duplicate');
    await ctx.drained();
    const { rows } = await ctx.pool.query("SELECT count(*)::int AS n FROM webhook_inbox WHERE convert_from(body, 'UTF8') LIKE $1", [`%wc_order_${o.id}%`]);
    expect(rows[0].n).toBe(1);
    expect((await order(o.id)).status).toBe(200);
  });

  test('when an order is trashed and restored, then its status follows', async () => {
    const o = anOrder({ status: 'on-hold' });
    await deliver(o, 'order.created');
    await ctx.drained();
    await deliver({ id: o.id }, 'order.deleted');
    await ctx.drained();
    expect((await order(o.id)).body.status).toBe('trash');
    await deliver({ ...o, date_modified_gmt: '2025-01-03T08:00:00' }, 'order.restored');
    await ctx.drained();
    expect((await order(o.id)).body.status).toBe('on-hold');
  });

  test('when a trashed order arrives as a full body (REST re-fetch or reconciliation), then its status before the trash is kept', async () => {
    const o = anOrder({ status: 'processing' });
    await deliver(o, 'order.created');
    await ctx.drained();
    const before = async () => (await ctx.pool.query('SELECT status, status_before_trash FROM orders WHERE wc_order_id = $1', [o.id])).rows[0];
    await deliver({ ...o, status: 'trash', date_modified_gmt: '2025-01-03T08:00:00' }, 'order.updated');
    await ctx.drained();
    expect(await before()).toEqual({ status: 'trash', status_before_trash: 'processing' });
    await deliver({ ...o, status: 'trash', date_modified_gmt: '2025-01-04T08:00:00', customer_note: 'again' }, 'order.updated');
    await ctx.drained();
    expect(await before()).toEqual({ status: 'trash', status_before_trash: 'processing' });
  });

  test('when a guest later registers, then the account and the guest orders are one person', async () => {
    const email = `Guest-${nextId()}@Example.com `;
    const guestOrder = anOrder({ email });
    await deliver(guestOrder, 'order.created');
    await ctx.drained();
    const customer = aCustomer({ email: email.trim().toLowerCase() });
    await deliver(customer, 'customer.created');
    await ctx.drained();
    const ownOrder = anOrder({ email: email.trim().toLowerCase(), customer_id: customer.id });
    await deliver(ownOrder, 'order.created');
    await ctx.drained();
    const found = await customersByEmail(email);
    expect(found).toHaveLength(1);
    expect(found[0].wcCustomerId).toBe(customer.id);
    expect(found[0].orders.map((x: any) => x.wcOrderId).sort()).toEqual([guestOrder.id, ownOrder.id].sort());
  });

  test('when a registered customer uses another billing email, then ?email= finds them by either', async () => {
    const customer = aCustomer({ email: `acct-${nextId()}@example.com`, billingEmail: `billing-${nextId()}@example.com` });
    await deliver(customer, 'customer.created');
    await ctx.drained();
    const [byAccount] = await customersByEmail(customer.email);
    const [byBilling] = await customersByEmail(customer.billing.email);
    expect(byAccount.id).toBe(byBilling.id);
    expect(byAccount.email).toBe(customer.email);
    expect(byAccount.emails.sort()).toEqual([customer.email, customer.billing.email].sort());
  });

  test('when an order carries the anonymisation placeholder email, then it identifies no one', async () => {
    const a = anOrder({ email: 'deleted@site.invalid' });
    const b = anOrder({ email: 'deleted@site.invalid' });
    await deliver(a, 'order.created');
    await deliver(b, 'order.created');
    await ctx.drained();
    const [oa, ob] = [await order(a.id), await order(b.id)];
    expect(oa.body.customerId).not.toBe(ob.body.customerId);
    expect(await customersByEmail('deleted@site.invalid')).toEqual([]);
  });

  test('when the body is PHP-escaped (\\/ and \\u00e9), then the signature verifies and the text is decoded', async () => {
    const o = anOrder({ first_name: 'Zoë', last_name: 'Hélène', email: `zoe-${nextId()}@example.com` });
    const status = await deliver(o, 'order.created'); // aDelivery encodes as PHP does
    expect(status).toBe('accepted');
    await ctx.drained();
    const body = (await order(o.id)).body;
    expect(body.billing.firstName).toBe('Zoë');
    expect(body.billing.lastName).toBe('Hélène');
  });

  test('when a delivery comes from a source not allow-listed, then it is ignored and never mirrored', async () => {
    const o = anOrder();
    expect(await deliver(o, 'order.created', 'https://staging.shop.example/')).toBe('ignored');
    await ctx.drained();
    expect((await order(o.id)).status).toBe(404);
  });

  test('when customer.deleted arrives, then the person stays with their orders and the account is marked gone', async () => {
    const c = aCustomer({ email: `gone-${nextId()}@example.com` });
    await deliver(c, 'customer.created');
    await deliver(anOrder({ email: c.email, customer_id: c.id }), 'order.created');
    await ctx.drained();
    await deliver({ id: c.id }, 'customer.deleted');
    await ctx.drained();
    const [p] = await customersByEmail(c.email);
    expect(p.accountDeletedAt).not.toBeNull();
    expect(p.orders).toHaveLength(1);
  });

  test('when a deleted shop account registers again with the same email, then it is one person: ?email= finds the new account with every order, old ones re-sent included', async () => {
    const email = `again-${nextId()}@example.com`;
    const before = aCustomer({ email });
    const oldOrder = anOrder({ email, customer_id: before.id, modified: '2025-01-01T10:00:00' });
    await deliver(before, 'customer.created');
    await deliver(oldOrder, 'order.created');
    await ctx.drained();
    await deliver({ id: before.id }, 'customer.deleted');
    await ctx.drained();
    const again = aCustomer({ email });
    await deliver(again, 'customer.created');
    await ctx.drained();
    const newOrder = anOrder({ email, customer_id: again.id });
    await deliver(newOrder, 'order.created');
    await ctx.drained();
    const found = await customersByEmail(email);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ wcCustomerId: again.id, email, accountDeletedAt: null });
    expect(found[0].orders.map((x: any) => x.wcOrderId).sort()).toEqual([oldOrder.id, newOrder.id].sort());
    // The old account's order, re-sent (a REST re-fetch, a backfill), still finds the person, not a new nameless one.
    await deliver({ ...oldOrder, date_modified_gmt: '2025-01-02T10:00:00', customer_note: 'resent' }, 'order.updated');
    await ctx.drained();
    expect((await order(oldOrder.id)).body.customerId).toBe(found[0].id);
    expect(await customersByEmail(email)).toHaveLength(1);
    // A late delivery of the deleted account (received before its deletion, retried) is history: no second person.
    await deliver({ ...before, last_name: 'Late', date_modified_gmt: '2025-01-03T10:00:00' }, 'customer.updated');
    await ctx.drained();
    expect((await ctx.pool.query('SELECT count(*)::int AS n FROM persons WHERE wc_customer_id = $1', [before.id])).rows[0].n).toBe(0);
    expect(await customersByEmail(email)).toMatchObject([{ lastName: found[0].lastName }]);
    // Forgotten, the person takes the old account's raw deliveries with them.
    const erased = await ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { email } });
    expect(erased.json().status).toBe('erased');
    const { rows } = await ctx.pool.query(`SELECT count(*)::int AS n, count(scrubbed_at)::int AS scrubbed FROM webhook_inbox
      WHERE resource = 'customer' AND resource_id = $1 AND processed_at IS NOT NULL`, [before.id]);
    expect(rows[0].n).toBeGreaterThanOrEqual(2);
    expect(rows[0].scrubbed).toBe(rows[0].n);
  });

  test('when the payload is a REST error object or checkout-draft, then it is recorded and nothing is mirrored', async () => {
    const before = await outcomes();
    await deliver({ code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot view this resource.', data: { status: 401 } }, 'order.updated');
    const draft = anOrder({ status: 'checkout-draft' });
    await deliver(draft, 'order.created');
    await ctx.drained();
    const after = await outcomes();
    expect((after.failed ?? 0) - (before.failed ?? 0)).toBe(1);
    expect((after.ignored ?? 0) - (before.ignored ?? 0)).toBe(1);
    expect((await order(draft.id)).status).toBe(404);
    const { rows } = await ctx.pool.query("SELECT reason FROM webhook_inbox WHERE outcome = 'failed' ORDER BY id DESC LIMIT 1");
    expect(rows[0].reason).toContain('woocommerce_rest_cannot_view');
  });

  test('when a payload is poison, then its job lands in the failed set with the reason and others still apply', async () => {
    const good = anOrder();
    await deliver({ id: nextId(), status: 'processing', total: 'not money', currency: 'EUR' }, 'order.updated');
    await deliver(good, 'order.created');
    await ctx.drained();
    expect((await order(good.id)).status).toBe(200);
    // The inbox row is marked in the mirror's transaction; the job reaches the failed set a moment after that.
    const poisoned = async () => (await ctx.deps.queues.mirror.getFailed()).some((j) => /invalid order payload: total/.test(j.failedReason));
    const until = Date.now() + 10_000;
    while (!(await poisoned()) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await poisoned()).toBe(true);
  });

  test('when a payload holds a value Postgres cannot store (\\u0000), then it fails for good instead of retrying forever', async () => {
    const o = anOrder({ first_name: 'Nul\u0000Byte' });
    await deliver(o, 'order.created');
    await ctx.drained();
    const { rows } = await ctx.pool.query("SELECT outcome, reason FROM webhook_inbox WHERE convert_from(body, 'UTF8') LIKE $1", [`%wc_order_${o.id}%`]);
    expect(rows[0]).toMatchObject({ outcome: 'failed' });
    expect(rows[0].reason).toMatch(/SQLSTATE 22/);
    expect((await order(o.id)).status).toBe(404);
  });

  test('when a poison payload arrives among others in one batch job, then it alone lands in the failed set', async () => {
    const good = [anOrder(), anOrder(), anOrder()];
    const poisonId = nextId();
    const bodies = [...good, { id: poisonId, status: 'processing', total: 'NaN euro', currency: 'EUR' }].map((b) => Buffer.from(JSON.stringify(b)));
    await insertDeliveries(ctx.pool, bodies.map((body) => ({
      source: 'https://shop.example', topic: 'order.created', webhookId: null, body, bodySha256: createHash('sha256').update(body).digest(),
    })));
    await ctx.deps.relay.kick();
    await ctx.drained();
    for (const o of good) expect((await order(o.id)).status).toBe(200);
    const batch = (await ctx.deps.queues.mirror.getJobs(['completed'], 0, -1)).find((j) => j.name === 'mirror-batch');
    expect(batch?.data.inboxIds).toHaveLength(4);
    const { rows } = await ctx.pool.query("SELECT id FROM webhook_inbox WHERE convert_from(body, 'UTF8') LIKE '%NaN euro%'");
    const jobIdOfPoison = `inbox-${rows[0].id}`;
    const until = Date.now() + 10_000;
    while ((await ctx.deps.queues.mirror.getJobState(jobIdOfPoison)) !== 'failed' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const poisonJob = await ctx.deps.queues.mirror.getJob(jobIdOfPoison);
    expect(await poisonJob!.getState()).toBe('failed');
    expect(poisonJob!.failedReason).toMatch(/invalid order payload: total: expected a decimal amount/);
    expect(poisonJob!.failedReason).not.toMatch(/NaN euro/);
  });
});
