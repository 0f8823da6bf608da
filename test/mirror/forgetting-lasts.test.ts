import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { insertDeliveries } from '../../src/intake/inbox.repository.js';

/**
 * P13/P14b forgetting lasts: records about an erased person that were created before the erasure come back only
 * anonymised (webhooks, re-deliveries, batches); an order created after it starts a new, active person.
 * The erasure happens at real `now`, so old records are dated 2025 and new ones 2099.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ dataDir: mkdtempSync(join(tmpdir(), 'woo-forget-')) });
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const ERASED_BILLING = { firstName: '[deleted]', lastName: '[deleted]', address1: '[deleted]', city: '[deleted]', postcode: '[deleted]',
  state: '', country: '', email: 'deleted@site.invalid', phone: '+00 0 00000000' };

async function deliver(body: unknown, topic: string) {
  const res = await ctx.app.inject(aDelivery(body, { topic }));
  expect(res.statusCode).toBe(200);
  expect(res.json().status).toBe('accepted');
}
async function erase(email: string) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload: { email, reason: 'request' } });
  expect(res.statusCode).toBe(200);
  expect(res.json().status).toBe('erased');
  const { rows } = await ctx.pool.query('SELECT person_id FROM erasure_tombstones WHERE id = ANY($1)', [res.json().tombstoneIds]);
  expect(rows).toHaveLength(1);
  return rows[0].person_id as number;
}
async function customersByEmail(email: string) {
  const res = await ctx.app.inject({ url: `/api/customers?email=${encodeURIComponent(email)}`, headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json().customers as any[];
}
const storedOrder = async (wcOrderId: number) =>
  (await ctx.pool.query('SELECT person_id, status, billing, shipping, wc_customer_id, transaction_id FROM orders WHERE wc_order_id = $1', [wcOrderId])).rows[0];
const inboxOf = async (resource: string, id: number) => (await ctx.pool.query(
  'SELECT outcome, reason, length(body)::int AS len, scrubbed_at FROM webhook_inbox WHERE resource = $1 AND resource_id = $2 ORDER BY id', [resource, id])).rows;
const emailRows = async (...emails: string[]) =>
  (await ctx.pool.query('SELECT count(*)::int AS n FROM person_emails WHERE email = ANY($1)', [emails])).rows[0].n as number;

/** Stored anonymised, attached to the erased person, no email back, and the raw delivery keeps no body. */
async function expectForgotten(wcOrderId: number, personId: number, email: string) {
  const o = await storedOrder(wcOrderId);
  expect(o).toMatchObject({ person_id: personId, billing: ERASED_BILLING, shipping: { firstName: '[deleted]', address1: '[deleted]' } });
  expect(o.transaction_id).toBe('0');
  for (const r of await inboxOf('order', wcOrderId)) {
    expect(r.len).toBe(0);
    expect(r.scrubbed_at).not.toBeNull();
  }
  expect(await emailRows(email)).toBe(0);
  expect(await customersByEmail(email)).toEqual([]);
}

const old = { created: '2025-03-01T10:00:00', modified: '2025-03-01T10:05:00' };
describe('P13 P14b forgetting lasts', () => {
  test('when an old order is re-delivered after the erasure with full personal data, then it is stored anonymised on the erased person', async () => {
    const email = `liesbeth.${nextId()}@example.com`;
    const o = anOrder({ email, first_name: 'Liesbeth', last_name: 'Wijnstra', ...old });
    await deliver(o, 'order.created');
    await ctx.drained();
    const personId = await erase(email);

    await deliver({ ...o, status: 'completed', date_modified_gmt: '2025-03-05T10:00:00', date_completed_gmt: '2025-03-05T10:00:00' }, 'order.updated');
    await ctx.drained();
    await expectForgotten(o.id, personId, email);
    expect((await storedOrder(o.id)).status).toBe('completed'); // the books still follow the shop
    const inbox = await inboxOf('order', o.id);
    expect(inbox.map((r) => r.outcome)).toEqual(['applied', 'applied']);
    expect(inbox[1].reason).toMatch(/erased/);
    expect((await ctx.pool.query('SELECT status FROM persons WHERE id = $1', [personId])).rows[0].status).toBe('erased');
  });

  test('when the version already held is re-delivered after the erasure, then it is stale and its body is scrubbed too', async () => {
    const email = `hylke.${nextId()}@example.com`;
    const o = anOrder({ email, first_name: 'Hylke', ...old });
    await deliver(o, 'order.created');
    await ctx.drained();
    const personId = await erase(email);
    await deliver(o, 'order.updated'); // same bytes under another topic: not a duplicate
    await ctx.drained();
    expect((await inboxOf('order', o.id)).map((r) => [r.outcome, r.len])).toEqual([['applied', 0], ['stale', 0]]);
    await expectForgotten(o.id, personId, email);
  });

  test('when several deliveries about the erased person arrive together, then the fast path declines and all are stored anonymised', async () => {
    const email = `baukje.${nextId()}@example.com`;
    const customer = aCustomer({ email, first_name: 'Baukje' });
    const o1 = anOrder({ email, customer_id: customer.id, first_name: 'Baukje', ...old });
    const o2 = anOrder({ email, customer_id: customer.id, first_name: 'Baukje', ...old, status: 'on-hold' });
    await deliver(customer, 'customer.created');
    await deliver(o1, 'order.created');
    await deliver(o2, 'order.created');
    await ctx.drained();
    const personId = await erase(email);

    const later = { date_modified_gmt: '2025-03-09T10:00:00' };
    const neverSeenByEmail = anOrder({ email, first_name: 'Baukje', ...old });
    const neverSeenByCustomer = anOrder({ email: `other-${nextId()}@example.com`, customer_id: customer.id, first_name: 'Baukje', ...old });
    const bodies = [{ ...o1, ...later, status: 'completed' }, { ...o2, ...later }, neverSeenByEmail, neverSeenByCustomer];
    const declined = async () => (await ctx.deps.metrics.mirrorFastPath.get()).values.find((v) => v.labels.result === 'declined')?.value ?? 0;
    const declinedBefore = await declined();
    await insertDeliveries(ctx.pool, bodies.map((b) => {
      const body = Buffer.from(JSON.stringify(b));
      return { source: 'https://shop.example', topic: 'order.updated', webhookId: null, body, bodySha256: createHash('sha256').update(body).digest(), resourceId: b.id };
    }));
    await ctx.deps.relay.kick();
    await ctx.drained();

    expect(await declined()).toBeGreaterThan(declinedBefore);
    for (const b of bodies) await expectForgotten(b.id, personId, email);
    expect((await storedOrder(o1.id)).status).toBe('completed');
    expect(Number((await storedOrder(neverSeenByCustomer.id)).wc_customer_id)).toBe(0);
    expect(await emailRows(neverSeenByCustomer.billing.email)).toBe(0);
    expect((await ctx.pool.query('SELECT count(*)::int AS n FROM persons WHERE wc_customer_id = $1', [customer.id])).rows[0].n).toBe(1);
  });

  test('when an old order never mirrored before arrives after the erasure, then the tombstone finds its owner by subject key', async () => {
    const email = `sjoukje.${nextId()}@example.com`;
    await deliver(anOrder({ email, first_name: 'Sjoukje', ...old }), 'order.created');
    await ctx.drained();
    const personId = await erase(email);
    const late = anOrder({ email: `  ${email.toUpperCase()} `, first_name: 'Sjoukje', created: '2025-06-01T08:00:00', modified: '2025-06-01T08:00:00' });
    await deliver(late, 'order.created');
    await ctx.drained();
    await expectForgotten(late.id, personId, email);
    expect((await ctx.pool.query("SELECT count(*)::int AS n FROM persons WHERE status <> 'erased' AND first_name = 'Sjoukje'")).rows[0].n).toBe(0);
  });

  test('when customer.updated arrives after the erasure for an account created before it, then the account stays anonymised', async () => {
    const email = `durk.${nextId()}@example.com`;
    const c = aCustomer({ email, billingEmail: `durk.billing.${nextId()}@example.com`, first_name: 'Durk', last_name: 'Zijlstra' });
    await deliver(c, 'customer.created');
    await ctx.drained();
    const personId = await erase(email);

    await deliver({ ...c, date_modified_gmt: '2025-02-01T12:00:00', first_name: 'Durk' }, 'customer.updated');
    await ctx.drained();
    const { rows } = await ctx.pool.query('SELECT id, status, account_email, first_name, last_name, billing FROM persons WHERE wc_customer_id = $1', [c.id]);
    expect(rows).toEqual([expect.objectContaining({ id: personId, status: 'erased', account_email: null, first_name: '[deleted]', last_name: '[deleted]' })]);
    expect(rows[0].billing).toMatchObject(ERASED_BILLING);
    expect(await emailRows(email, c.billing.email)).toBe(0);
    expect(await customersByEmail(email)).toEqual([]);
    expect((await inboxOf('customer', c.id)).map((r) => [r.outcome, r.len])).toEqual([['applied', 0], ['applied', 0]]);
  });

  test('when a new order is created after the erasure, then it starts a new active person, by email and by customer id alike', async () => {
    const email = `gerrit.${nextId()}@example.com`;
    const c = aCustomer({ email, first_name: 'Gerrit' });
    const before = anOrder({ email, customer_id: c.id, first_name: 'Gerrit', ...old });
    await deliver(c, 'customer.created');
    await deliver(before, 'order.created');
    await ctx.drained();
    const personId = await erase(email);

    const future = { created: '2099-01-02T09:00:00', modified: '2099-01-02T09:01:00' };
    const guestAgain = anOrder({ email, first_name: 'Gerrit', ...future });
    await deliver(guestAgain, 'order.created');
    await ctx.drained();
    const [byEmail] = await customersByEmail(email);
    expect(byEmail).toMatchObject({ status: 'active', email, firstName: 'Gerrit', wcCustomerId: null });
    expect(byEmail.id).not.toBe(personId);
    expect(byEmail.orders.map((o: any) => o.wcOrderId)).toEqual([guestAgain.id]);

    const accountAgain = anOrder({ email: `gerrit.new.${nextId()}@example.com`, customer_id: c.id, first_name: 'Gerrit', ...future });
    await deliver(accountAgain, 'order.created');
    await ctx.drained();
    const { rows } = await ctx.pool.query('SELECT id, status FROM persons WHERE wc_customer_id = $1 ORDER BY id', [c.id]);
    expect(rows).toEqual([{ id: personId, status: 'erased' }, { id: expect.any(Number), status: 'active' }]);
    const newPerson = rows[1].id;
    expect((await storedOrder(accountAgain.id)).person_id).toBe(newPerson);
    expect((await storedOrder(accountAgain.id)).billing.firstName).toBe('Gerrit');
    expect((await storedOrder(before.id)).person_id).toBe(personId); // old orders stay with the erased person

    // Even now that the customer is back, an old order of theirs still belongs to the forgotten relationship.
    const oldAgain = anOrder({ email: `gerrit.old.${nextId()}@example.com`, customer_id: c.id, first_name: 'Gerrit', ...old });
    await deliver(oldAgain, 'order.created');
    await ctx.drained();
    await expectForgotten(oldAgain.id, personId, oldAgain.billing.email);
    // And an old order with the email the new person now uses still goes to the erased one, anonymised.
    const oldByEmail = anOrder({ email, first_name: 'Gerrit', ...old });
    await deliver(oldByEmail, 'order.created');
    await ctx.drained();
    expect(await storedOrder(oldByEmail.id)).toMatchObject({ person_id: personId, billing: ERASED_BILLING });
    expect((await customersByEmail(email)).map((p) => [p.id, p.orders.length])).toEqual([[byEmail.id, 1]]);
  });

  test('when deliveries about the person are still in the inbox during the erasure, then they are applied anonymised afterwards', async () => {
    const email = `anke.${nextId()}@example.com`;
    const held = anOrder({ email, first_name: 'Anke', ...old });
    await deliver(held, 'order.created');
    await ctx.drained();
    await ctx.deps.relay.stop(); // the next deliveries wait in the inbox, unprocessed
    try {
      const update = { ...held, status: 'completed', date_modified_gmt: '2025-03-07T10:00:00' };
      const unseen = anOrder({ email, first_name: 'Anke', ...old });
      await deliver(update, 'order.updated');
      await deliver(unseen, 'order.created');
      const personId = await erase(email);
      const waiting = await ctx.pool.query('SELECT count(*)::int AS n FROM webhook_inbox WHERE processed_at IS NULL AND length(body) > 0');
      expect(waiting.rows[0].n).toBe(2); // still unprocessed, bodies intact: the mirror scrubs them when it applies them
      ctx.deps.relay.start();
      await ctx.drained();
      await expectForgotten(held.id, personId, email);
      await expectForgotten(unseen.id, personId, email);
      expect((await storedOrder(held.id)).status).toBe('completed');
    } finally {
      ctx.deps.relay.start();
    }
  });
});
