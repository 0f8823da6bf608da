import { createTestContext, type TestContext } from '../../setup/context.js';
import { aDelivery } from '../../builders/webhooks.js';
import { aCustomer, anOrder, nextId } from '../../builders/woocommerce.js';
import { processorRegister } from '../../../src/processors/register.js';
import { loadSubjectData } from '../../../src/dsr/export/subject-data.repository.js';
import { buildExport, type ExportPackage } from '../../../src/dsr/export/export.builder.js';
import type { Queryable } from '../../../src/platform/db.js';
import {
  insertAudit, insertConsent, insertLabel, insertOrders, insertRequest, insertSync, orderIdOf, personIdOf, subjectKeysOf,
} from './seed.js';

/** P15/P17/P20: the package of a person mirrored through the real pipeline, against the mirror itself. */
let ctx: TestContext;
const register = processorRegister({ reviewsProvider: 'own' });
const generatedAt = new Date('2025-02-01T12:00:00Z');
const id = nextId();
const anna = { email: `anna-${id}@example.com`, billingEmail: `anna.billing-${id}@example.com` };
const bram = { email: `bram-${id}@example.com` };
const customerA = aCustomer({ email: anna.email, billingEmail: anna.billingEmail, first_name: 'Anna', last_name: 'de Vries' });
const refundId = nextId();
const o1 = anOrder({ email: anna.email, customer_id: customerA.id, first_name: 'Anna', last_name: 'de Vries',
  meta_data: [{ id: 9, key: '_review_consent', value: 'yes' }] });
const o2 = anOrder({ email: anna.email, customer_id: customerA.id, first_name: 'Anna', last_name: 'de Vries', status: 'completed',
  total: '29.63', created: '2025-01-03T10:00:00', modified: '2025-01-05T10:00:00', date_completed_gmt: '2025-01-04T10:00:00',
  refunds: [{ id: refundId, reason: 'kapot aangekomen', total: '-5.00' }] });
const bramAddress = { first_name: 'Bram', last_name: 'Jansen', company: '', address_1: 'Stationsweg 5', address_2: '', city: 'Zwolle',
  state: '', postcode: '8011 CZ', country: 'NL', email: bram.email, phone: '+31 6 99999999' };
const o3 = anOrder({ email: bram.email, first_name: 'Bram', last_name: 'Jansen', billing: bramAddress, shipping: bramAddress });
let personA: number;
let personB: number;
let requestA: string;
let requestB: string;

async function exportOf(personId: number, kind: 'access' | 'portability' = 'access', db: Queryable = ctx.pool): Promise<ExportPackage> {
  const data = await loadSubjectData(db, personId, { invoicePrefix: ctx.config.invoicePrefix });
  return buildExport(data!, {
    kind, generatedAt, policyVersion: ctx.config.policyVersion, register, shopName: 'Webwinkel BV',
    retention: { inactiveDays: 730, fiscalYears: 7, labelDays: 90, rawPayloadDays: 7 },
  });
}

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.startWorkers();
  for (const [body, topic] of [[customerA, 'customer.created'], [o1, 'order.created'], [o2, 'order.created'], [o3, 'order.created']] as const) {
    expect((await ctx.app.inject(aDelivery(body, { topic }))).statusCode).toBe(200);
  }
  await ctx.drained();
  personA = await personIdOf(ctx.pool, anna.email);
  personB = await personIdOf(ctx.pool, bram.email);
  const [id1, id2, id3] = [await orderIdOf(ctx.pool, o1.id), await orderIdOf(ctx.pool, o2.id), await orderIdOf(ctx.pool, o3.id)];
  await insertSync(ctx.pool, id1, { processor: 'snelstart', kind: 'booking', status: 'done', externalId: 'bk-1', at: '2025-01-02T09:05:00Z' });
  await insertSync(ctx.pool, id1, { processor: 'postnl', kind: 'shipment', status: 'done', externalId: '3SANNA0001', at: '2025-01-02T09:06:00Z' });
  await insertSync(ctx.pool, id1, { processor: 'reviews', kind: 'invitation', status: 'done', externalId: 'inv-1', at: '2025-01-09T09:00:00Z' });
  await insertSync(ctx.pool, id2, { processor: 'snelstart', kind: 'booking', status: 'done', externalId: 'bk-2', at: '2025-01-04T10:05:00Z' });
  await insertSync(ctx.pool, id2, { processor: 'snelstart', kind: 'credit', ref: String(refundId), status: 'done', at: '2025-01-05T10:01:00Z' });
  await insertSync(ctx.pool, id2, { processor: 'reviews', kind: 'invitation', status: 'skipped', reason: 'no_consent', at: '2025-01-11T10:00:00Z' });
  await insertLabel(ctx.pool, id1, '3SANNA0001', '2025-01-02T09:06:01Z');
  await insertSync(ctx.pool, id3, { processor: 'postnl', kind: 'shipment', status: 'done', externalId: '3SBRAM0001', at: '2025-01-02T09:07:00Z' });
  await insertSync(ctx.pool, id3, { processor: 'snelstart', kind: 'booking', status: 'failed', at: '2025-01-02T09:07:00Z' });
  await insertLabel(ctx.pool, id3, '3SBRAM0001', '2025-01-02T09:07:01Z');
  await insertConsent(ctx.pool, personA, false, 'api', '2025-01-20T08:00:00Z');
  await insertConsent(ctx.pool, personB, true, 'api', '2025-01-20T08:00:00Z');
  const [keyA1, keyA2] = await subjectKeysOf(ctx.pool, personA);
  const [keyB] = await subjectKeysOf(ctx.pool, personB);
  await insertAudit(ctx.pool, keyA2!, 'export.generated', '2025-01-21T08:00:00Z', { requestId: 'r-2' });
  await insertAudit(ctx.pool, keyA1!, 'request.received', '2025-01-20T08:00:00Z', { type: 'access' });
  await insertAudit(ctx.pool, keyB!, 'bram.only.action', '2025-01-20T08:00:00Z');
  await insertAudit(ctx.pool, null, 'sweep.completed', '2025-01-20T08:00:00Z');
  requestA = await insertRequest(ctx.pool, { personId: null, key: keyA1!, email: anna.email, type: 'access', status: 'in_progress', at: '2025-01-20T08:00:00Z' });
  requestB = await insertRequest(ctx.pool, { personId: personB, key: keyB!, email: bram.email, type: 'restriction', status: 'completed', at: '2025-01-20T08:00:00Z' });
});
afterAll(async () => ctx.close());

describe('P17 access package: everything the mirror holds about the person', () => {
  test('when a mirrored person is exported, then identity, contact, addresses, orders and lines equal the stored rows exactly', async () => {
    const pkg = await exportOf(personA);
    const { rows: [p] } = await ctx.pool.query('SELECT * FROM persons WHERE id = $1', [personA]);
    const { rows: emails } = await ctx.pool.query('SELECT email, added_at FROM person_emails WHERE person_id = $1 ORDER BY added_at, email', [personA]);
    expect(pkg.identity).toEqual({
      firstName: 'Anna', lastName: 'de Vries', wcCustomerId: customerA.id, status: 'active', restricted: false, objection: 'none',
      accountCreatedAt: p.wc_account_created_at.toISOString(), accountDeletedAt: null, firstStoredAt: p.created_at.toISOString(),
      lastActivityAt: p.last_activity_at.toISOString(), policyVersion: p.policy_version,
    });
    expect(pkg.contact).toEqual({ accountEmail: anna.email, emails: emails.map((e) => ({ email: e.email, addedAt: e.added_at.toISOString() })) });
    expect(pkg.contact.emails.map((e) => e.email).sort()).toEqual([anna.billingEmail, anna.email].sort());
    expect(pkg.addresses).toEqual({ billing: p.billing, shipping: p.shipping });

    const { rows: orders } = await ctx.pool.query('SELECT * FROM orders WHERE person_id = $1 ORDER BY date_created_gmt, wc_order_id', [personA]);
    const { rows: lines } = await ctx.pool.query(
      'SELECT order_id, kind, name, code, quantity, total, total_tax FROM order_lines WHERE order_id = ANY($1) ORDER BY order_id, position',
      [orders.map((o) => o.id)]);
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    expect(pkg.orders).toEqual(orders.map((o) => ({
      wcOrderId: Number(o.wc_order_id), number: o.number, status: o.status, currency: o.currency, pricesIncludeTax: o.prices_include_tax,
      total: o.total, totalTax: o.total_tax, shippingTotal: o.shipping_total, shippingTax: o.shipping_tax,
      discountTotal: o.discount_total, discountTax: o.discount_tax, cartTax: o.cart_tax, paymentMethod: o.payment_method,
      paymentMethodTitle: o.payment_method_title, transactionId: o.transaction_id, billing: o.billing, shipping: o.shipping,
      ipAddress: o.ip_address, dateCreated: iso(o.date_created_gmt), dateModified: iso(o.date_modified_gmt),
      datePaid: iso(o.date_paid_gmt), dateCompleted: iso(o.date_completed_gmt), deletedInShopAt: null, policyVersion: o.policy_version,
      lines: lines.filter((l) => l.order_id === o.id).map((l) => ({ kind: l.kind, name: l.name, code: l.code, quantity: l.quantity, total: l.total, totalTax: l.total_tax })),
    })));
    // And against what the shop sent: both orders, exact money, the refund line, the truncated IP (P11).
    expect(pkg.orders.map((o) => [o.wcOrderId, o.total])).toEqual([[o1.id, '28.63'], [o2.id, '29.63']]);
    expect(pkg.orders[1]!.lines.filter((l) => l.kind === 'refund')).toEqual([{ kind: 'refund', name: null, code: null, quantity: null, total: '-5.00', totalTax: '0' }]);
    expect(pkg.orders[0]!.lines.find((l) => l.kind === 'product')).toMatchObject({ name: 'Mok – blauw', code: 'MUG-BLUE', quantity: '2', total: '20.00', totalTax: '3.80' });
    expect(pkg.orders[0]!.ipAddress).toBe('203.0.113.0');
    expect(pkg.orders[0]!.billing).toMatchObject({ firstName: 'Anna', address1: 'Keizersgracht 1', email: anna.email });
  });

  test('when pushes, labels, consents, audit rows and requests exist, then shipments, invoices, invitations, consents, history and requests show them', async () => {
    const pkg = await exportOf(personA);
    expect(pkg.shipments).toEqual([{
      wcOrderId: o1.id, orderNumber: String(o1.id), status: 'done', reason: null, barcode: '3SANNA0001',
      createdAt: '2025-01-02T09:06:00.000Z', updatedAt: '2025-01-02T09:06:00.000Z',
      label: { barcode: '3SANNA0001', createdAt: '2025-01-02T09:06:01.000Z', pdfHeld: true },
    }]);
    expect(pkg.invoices.map((i) => [i.invoiceNumber, i.invoiceDate, i.total, i.totalTax])).toEqual([
      [`WC-${o1.id}`, '2025-01-02T09:01:00.000Z', '28.63', '4.73'], [`WC-${o2.id}`, '2025-01-05T10:00:00.000Z', '29.63', '4.73']]);
    expect(pkg.invoices[1]!.creditNotes).toEqual([{ number: `WC-${o2.id}-C${refundId}`, refundId, total: '-5.00', date: '2025-01-05T10:01:00.000Z' }]);
    expect(pkg.reviewInvitations.map((r) => [r.wcOrderId, r.status, r.reason, r.externalId])).toEqual([
      [o1.id, 'done', null, 'inv-1'], [o2.id, 'skipped', 'no_consent', null]]);
    expect(pkg.consents).toEqual([
      { purpose: 'review_invitation', granted: true, source: 'checkout', recordedAt: '2025-01-02T09:00:00.000Z', wcOrderId: o1.id },
      { purpose: 'review_invitation', granted: false, source: 'api', recordedAt: '2025-01-20T08:00:00.000Z', wcOrderId: null },
    ]);
    expect(pkg.processingHistory).toEqual([
      { at: '2025-01-20T08:00:00.000Z', actor: 'operator', action: 'request.received', detail: { type: 'access' } },
      { at: '2025-01-21T08:00:00.000Z', actor: 'operator', action: 'export.generated', detail: { requestId: 'r-2' } },
    ]);
    expect(pkg.privacyRequests).toEqual([{
      id: requestA, type: 'access', status: 'in_progress', receivedAt: '2025-01-20T08:00:00.000Z', dueAt: '2025-02-19T08:00:00.000Z',
      extendedAt: null, verifiedAt: null, completedAt: null, rejectedAt: null,
    }]);
    const json = JSON.stringify(pkg);
    for (const never of ['%PDF', 'labelPdf', 'internal error text', 'kapot aangekomen', 'Mozilla']) expect(json).not.toContain(never);
  });

  test('when two people are mirrored, then neither package holds anything of the other', async () => {
    const a = JSON.stringify(await exportOf(personA));
    for (const other of [bram.email, 'Bram', 'Jansen', 'Zwolle', 'Stationsweg', '3SBRAM0001', 'bram.only.action', requestB, `"wcOrderId":${o3.id}`]) {
      expect(a).not.toContain(other);
    }
    const b = await exportOf(personB);
    expect(b.orders.map((o) => o.wcOrderId)).toEqual([o3.id]);
    expect(b.privacyRequests.map((r) => r.id)).toEqual([requestB]);
    expect(b.processingHistory.map((h) => h.action)).toEqual(['bram.only.action']);
    for (const other of [anna.email, anna.billingEmail, 'Anna', '3SANNA0001', requestA, 'request.received']) expect(JSON.stringify(b)).not.toContain(other);
  });
});

describe('P17 processors, retention and rights; P20 portability', () => {
  test('when exported, then the processors are the register with per-person received flags', async () => {
    const shape = ({ id: pid, name, purpose, dataCategories, legalBasis, location, retention }: (typeof register)[number]) =>
      ({ id: pid, name, purpose, dataCategories, legalBasis, location, retention });
    const received = async (personId: number) =>
      Object.fromEntries((await exportOf(personId)).processors.map((p) => [p.id, p.received]));
    const a = await exportOf(personA);
    expect(a.processors.map(({ received: _r, ...rest }) => rest)).toEqual(register.map(shape));
    const shop = { mollie: true, mail: true, hosting: true, woocommerce: true };
    expect(await received(personA)).toEqual({ snelstart: true, postnl: true, reviews: true, ...shop });
    // Bram: a shipment went, his booking failed and no invitation was sent.
    expect(await received(personB)).toEqual({ snelstart: false, postnl: true, reviews: false, ...shop });
  });

  test('when exported for portability, then the package is marked for transfer and carries retention, rights and the policy version', async () => {
    const pkg = await exportOf(personA, 'portability');
    expect(pkg.format).toEqual({ kind: 'portability', intendedForTransfer: true, schema: 'woo-companion/export/v1' });
    expect((await exportOf(personA)).format).toEqual({ kind: 'access', intendedForTransfer: false, schema: 'woo-companion/export/v1' });
    expect(pkg).toMatchObject({ generatedAt: '2025-02-01T12:00:00.000Z', policyVersion: '2023-08-21', controller: 'Webwinkel BV' });
    expect(pkg.retention.invoices.reason).toContain('Art. 52 AWR');
    expect(pkg.retention.identity.period).toContain('730 days');
    expect(pkg.rights.complaint.url).toBe('https://autoriteitpersoonsgegevens.nl');
  });

  test('when the same person is exported twice, then the JSON is identical; an unknown person gives null', async () => {
    expect(JSON.stringify(await exportOf(personA))).toBe(JSON.stringify(await exportOf(personA)));
    expect(await loadSubjectData(ctx.pool, 987654321, { invoicePrefix: 'WC-' })).toBeNull();
  });

  test('when a person has many orders, then the same few statements load them all (set-based)', async () => {
    const counting = () => {
      let n = 0;
      const db: Queryable = { query: ((...args: Parameters<Queryable['query']>) => { n += 1; return (ctx.pool.query as (...a: unknown[]) => unknown)(...args); }) as Queryable['query'] };
      return { db, count: () => n };
    };
    const small = counting();
    await exportOf(personA, 'access', small.db);
    const { rows: [{ id: bulk }] } = await ctx.pool.query(`INSERT INTO persons (policy_version) VALUES ('2023-08-21') RETURNING id`);
    await insertOrders(ctx.pool, bulk, 200, 900_000_000 + id * 1000);
    const large = counting();
    const pkg = await exportOf(bulk, 'access', large.db);
    expect(pkg.orders).toHaveLength(200);
    expect(pkg.orders.every((o) => o.lines.length === 3)).toBe(true);
    expect(pkg.invoices).toHaveLength(200);
    expect(large.count()).toBe(small.count());
    expect(large.count()).toBeLessThanOrEqual(9);
  });
});
