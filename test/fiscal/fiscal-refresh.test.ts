import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, FISCAL_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder, nextId } from '../builders/woocommerce.js';

/** P13: the archived invoice of a forgotten order keeps up with the books (a refund after the erasure). */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ dataDir: mkdtempSync(join(tmpdir(), 'woo-fiscal-refresh-')) });
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());

const deliver = async (body: unknown) => expect((await ctx.app.inject(aDelivery(body, { topic: 'order.updated' }))).statusCode).toBe(200);
const archive = async (invoiceNumber: string) =>
  ctx.app.inject({ url: `/api/fiscal-archive?invoiceNumber=${encodeURIComponent(invoiceNumber)}`, headers: { authorization: `Bearer ${FISCAL_TOKEN}` } });

describe('P13 fiscal archive after erasure', () => {
  test('when an erased person\'s old order is refunded later, then the archived invoice gains the credit note and keeps the printed name', async () => {
    const email = `refund-later-${nextId()}@example.com`;
    const order = anOrder({ email, status: 'completed', first_name: 'Roosje', last_name: 'Brink' });
    await deliver(order);
    await ctx.drained();
    const erased = await ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { email } });
    expect(erased.json().status).toBe('erased');
    const before = (await archive(`WC-${order.number}`)).json();
    expect(before).toMatchObject({ billingName: 'Roosje Brink', creditNotes: [] });

    // WooCommerce refunds the order after the erasure; the delivery carries the customer's data again.
    await deliver({ ...order, status: 'refunded', date_modified_gmt: '2025-02-01T10:00:00', date_modified: '2025-02-01T10:00:00',
      refunds: [{ id: 901, reason: 'Roosje wanted a refund', total: '-28.63' }] });
    await ctx.drained();

    const after = (await archive(`WC-${order.number}`)).json();
    expect(after.creditNotes).toEqual([{ number: `WC-${order.number}-C901`, refundId: 901, total: '-28.63' }]);
    expect(after.billingName).toBe('Roosje Brink');
    const { rows: [o] } = await ctx.pool.query('SELECT status, billing FROM orders WHERE wc_order_id = $1', [order.id]);
    expect(o.status).toBe('refunded');
    expect(o.billing.firstName).toBe('[deleted]');
    expect(o.billing.email).toBe('deleted@site.invalid');
  });
});
