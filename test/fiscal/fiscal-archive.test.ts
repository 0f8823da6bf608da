import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, FISCAL_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder, nextId } from '../builders/woocommerce.js';
import { manualClock } from '../../src/platform/clock.js';

/** P13: invoices outlive an erasure in a restricted archive, for the legal term only. Real Postgres, Redis, workers. */
const clock = manualClock('2025-03-01T00:00:00Z');
let ctx: TestContext;
const email = `fiscal-${nextId()}@example.com`;
const who = { email, first_name: 'Fenna', last_name: 'Visser' };
const billing = {
  first_name: 'Fenna', last_name: 'Visser', company: 'Visser Keramiek BV', address_1: 'Keizersgracht 1', address_2: '3 hoog',
  city: 'Amsterdam', state: 'NH', postcode: '1015 AA', country: 'NL', email, phone: '+31 6 12345678',
};
const paidAt = (at: string) => ({ created: at, modified: at, date_paid: at, date_paid_gmt: at });
const fee = { id: 7, name: 'Betaalkosten', tax_class: '', tax_status: 'taxable', total: '0.50', total_tax: '0.11', taxes: [{ id: 1, total: '0.11', subtotal: '' }] };
const processing = anOrder({ ...who, billing, ...paidAt('2024-06-10T10:00:00'), fee_lines: [fee] });
processing.number = `${processing.id}-NL`; // a custom order number (sequential-numbers plugins): the invoice uses it, not the id
const completed = anOrder({ ...who, billing, status: 'completed', ...paidAt('2024-07-01T09:05:00'), date_completed_gmt: '2024-07-03T12:00:00' });
const refundIds = [nextId(), nextId()];
const refunded = anOrder({
  ...who, billing, status: 'refunded', ...paidAt('2024-08-01T08:00:00'),
  refunds: [{ id: refundIds[0], reason: 'Kapot aangekomen, zegt mevrouw Visser', total: '-5.00' }, { id: refundIds[1], reason: '', total: '-23.63' }],
});
const pending = anOrder({ ...who, billing, status: 'pending', created: '2024-09-01T10:00:00', modified: '2024-09-01T10:00:00', date_paid: null, date_paid_gmt: null });
const newYearsEve = anOrder({ ...who, billing, created: '2024-12-31T23:00:00', modified: '2024-12-31T23:30:00', date_paid: '2024-12-31T23:30:00', date_paid_gmt: '2024-12-31T23:30:00' });
const invoiced = [processing, completed, refunded, newYearsEve];
const inv = (o: { number: string }) => `WC-${o.number}`;

beforeAll(async () => {
  ctx = await createTestContext({ dataDir: mkdtempSync(join(tmpdir(), 'woo-fiscal-')) }, { clock });
  await ctx.startWorkers();
  for (const o of [processing, completed, refunded, pending, newYearsEve]) {
    expect((await ctx.app.inject(aDelivery(o, { topic: 'order.created' }))).statusCode).toBe(200);
  }
  await ctx.drained();
  const res = await ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { email } });
  expect(res.json()).toMatchObject({ status: 'erased' });
});
afterAll(async () => ctx.close());

const archive = (invoiceNumber: string | null, token: string | null) => ctx.app.inject({
  url: invoiceNumber === null ? '/api/fiscal-archive' : `/api/fiscal-archive?invoiceNumber=${encodeURIComponent(invoiceNumber)}`,
  headers: token ? { authorization: `Bearer ${token}` } : {},
});
const rowOf = async (o: { id: number }) => (await ctx.pool.query('SELECT * FROM fiscal_archive WHERE wc_order_id = $1', [o.id])).rows[0];

async function sweepAt(at: string) {
  clock.set(at);
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const started = await ctx.app.inject({ method: 'POST', url: '/api/retention/sweeps', headers: auth, payload: { force: true } });
  expect(started.statusCode).toBe(202);
  for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    const s = (await ctx.app.inject({ url: `/api/retention/sweeps/${started.json().id}`, headers: auth })).json();
    if (s.status !== 'running') return s;
  }
  throw new Error('sweep did not finish');
}

describe('P13 fiscal archive: invoices survive an erasure, restricted, for the legal term', () => {
  test('when a person with invoiced orders is erased, then each invoice is archived with number, amounts, lines, credit notes and the printed billing name and address', async () => {
    const { rows } = await ctx.pool.query('SELECT invoice_number FROM fiscal_archive');
    expect(rows.map((r) => r.invoice_number).sort()).toEqual(invoiced.map(inv).sort());
    expect(await rowOf(pending)).toBeUndefined(); // never paid: no invoice

    const p = await rowOf(processing);
    expect(p).toMatchObject({
      invoice_number: `WC-${processing.id}-NL`, currency: 'EUR', prices_include_tax: true, anonymised_at: null,
      amounts: { total: '28.63', totalTax: '4.73', shippingTotal: '4.90', shippingTax: '0.93', discountTotal: '0.00', discountTax: '0.00', cartTax: '3.80' },
      billing_name: 'Fenna Visser', billing_company: 'Visser Keramiek BV',
      billing_address: { address1: 'Keizersgracht 1', address2: '3 hoog', postcode: '1015 AA', city: 'Amsterdam', state: 'NH', country: 'NL' },
      credit_notes: [],
    });
    expect(p.invoice_date.toISOString()).toBe('2024-06-10T10:00:00.000Z');
    expect(p.lines.map((l: any) => l.kind)).toEqual(['product', 'tax', 'shipping', 'fee']);
    expect(p.lines.find((l: any) => l.kind === 'tax')).toMatchObject({ name: 'BTW', code: 'NL-BTW-1', total: '3.80' });
    expect(p.lines.find((l: any) => l.kind === 'shipping')).toMatchObject({ name: 'PostNL', total: '4.90', totalTax: '0.93' });
    expect(p.lines.find((l: any) => l.kind === 'fee')).toMatchObject({ name: 'Betaalkosten', total: '0.50', totalTax: '0.11' });
    expect(p.lines.find((l: any) => l.kind === 'product')).toMatchObject({ name: 'Mok – blauw', code: 'MUG-BLUE', quantity: '2', total: '20.00' });

    const r = await rowOf(refunded);
    expect(r.credit_notes).toEqual([
      { number: `${inv(refunded)}-C${refundIds[0]}`, refundId: refundIds[0], total: '-5.00' },
      { number: `${inv(refunded)}-C${refundIds[1]}`, refundId: refundIds[1], total: '-23.63' },
    ]);
    expect(r.lines.some((l: any) => l.kind === 'refund')).toBe(false);
    expect(JSON.stringify(r)).not.toContain('Kapot'); // a refund's free-text reason is not an invoice field (P1)
    expect((await rowOf(completed)).invoice_date.toISOString()).toBe('2024-07-01T09:05:00.000Z');
  });

  test('when an invoice is archived, then retain_until is 31 December of its Amsterdam year + FISCAL_RETENTION_YEARS (31 Dec 23:30 UTC is next year)', async () => {
    for (const o of [processing, completed, refunded]) expect((await archive(inv(o), FISCAL_TOKEN)).json().retainUntil).toBe('2031-12-31');
    const eve = (await archive(inv(newYearsEve), FISCAL_TOKEN)).json();
    expect(eve.invoiceDate).toBe('2024-12-31T23:30:00.000Z'); // 1 January 2025, 00:30 in Amsterdam
    expect(eve.retainUntil).toBe('2032-12-31');
  });

  test('when the archive is read, then only FISCAL_TOKEN gets the row; the operator token is forbidden, others unauthorised', async () => {
    const ok = await archive(inv(refunded), FISCAL_TOKEN);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      wcOrderId: refunded.id, invoiceNumber: inv(refunded), currency: 'EUR', billingName: 'Fenna Visser', billingCompany: 'Visser Keramiek BV',
      billingAddress: { address1: 'Keizersgracht 1', city: 'Amsterdam', country: 'NL' }, amounts: { total: '28.63' },
      creditNotes: [{ number: `${inv(refunded)}-C${refundIds[0]}`, total: '-5.00' }, { total: '-23.63' }], retainUntil: '2031-12-31', anonymisedAt: null,
    });
    const admin = await archive(inv(refunded), ADMIN_TOKEN);
    expect(admin.statusCode).toBe(403);
    expect(admin.json().error).toBe('forbidden');
    expect(admin.body).not.toContain('Visser');
    expect((await archive(inv(refunded), null)).statusCode).toBe(401);
    expect((await archive(inv(refunded), 'not-the-fiscal-token-0123456789')).statusCode).toBe(401);
    const missing = await archive(null, FISCAL_TOKEN);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toMatch(/invoiceNumber/);
    expect((await archive('WC-does-not-exist', FISCAL_TOKEN)).statusCode).toBe(404);
    // The fiscal token acts as an auditor: it reads the operator API but changes nothing; reads log no personal data.
    expect((await ctx.app.inject({ url: `/api/orders/${refunded.id}`, headers: { authorization: `Bearer ${FISCAL_TOKEN}` } })).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/retention/sweeps', headers: { authorization: `Bearer ${FISCAL_TOKEN}` }, payload: {} })).statusCode).toBe(403);
    expect(ctx.logs.join('\n')).not.toMatch(/Visser|Keizersgracht/);
  });

  test('when the operator API shows an erased order, then only its anonymised form is visible', async () => {
    const res = await ctx.app.inject({ url: `/api/orders/${refunded.id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'refunded', total: '28.63',
      billing: { firstName: '[deleted]', lastName: '[deleted]', company: '[deleted]', address1: '[deleted]', city: '[deleted]', country: '', email: 'deleted@site.invalid' },
    });
    for (const secret of ['Fenna', 'Visser', 'Keizersgracht', '1015 AA', email]) expect(res.body).not.toContain(secret);
  });

  test('when a legal hold is in force for the erased customer, then their invoices past the term keep name and address until it is lifted (P12)', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    clock.set('2031-12-01T10:00:00Z');
    const held = await ctx.app.inject({ method: 'POST', url: '/api/legal-holds', headers: auth, payload: { email, reason: 'Belastingdienst: boekenonderzoek 2024' } });
    expect(held.statusCode).toBe(201);
    const swept = await sweepAt('2032-01-02T10:00:00Z'); // past the term of the three 2024 invoices
    expect(swept.status).toBe('completed');
    expect(swept.counts.fiscalAnonymised ?? 0).toBe(0);
    for (const o of [processing, completed, refunded]) expect(await rowOf(o)).toMatchObject({ billing_name: 'Fenna Visser', anonymised_at: null });
    const preview = (await ctx.app.inject({ url: '/api/retention/preview', headers: auth })).json();
    expect(preview).toMatchObject({ fiscalPastTerm: 0 });

    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/legal-holds/${held.json().id}`, headers: auth })).statusCode).toBe(204);
    clock.set('2025-03-01T00:00:00Z'); // back to the describe's time: the next test sweeps on its own dates
  });

  test('when a sweep runs after retain_until (Amsterdam date), then the archived name and address are anonymised and the amounts kept', async () => {
    // 31 Dec 2031, 23:30 in Amsterdam: the 2024 invoices are still within their term.
    const onLastDay = await sweepAt('2031-12-31T22:30:00Z');
    expect(onLastDay.status).toBe('completed');
    expect(onLastDay.counts.fiscalAnonymised ?? 0).toBe(0); // a kind with nothing to do is left out of counts
    expect((await rowOf(processing)).billing_name).toBe('Fenna Visser');

    // 1 Jan 2032, 00:30 in Amsterdam: past the term of the three 2024 invoices; the one of 1 Jan 2025 stays.
    const after = await sweepAt('2031-12-31T23:30:00Z');
    expect(after).toMatchObject({ status: 'completed', counts: expect.objectContaining({ fiscalAnonymised: 3 }) });
    for (const o of [processing, completed, refunded]) {
      const row = await rowOf(o);
      expect(row).toMatchObject({
        billing_name: '[deleted]', billing_company: '[deleted]',
        billing_address: { address1: '[deleted]', address2: '[deleted]', postcode: '[deleted]', city: '[deleted]', state: '', country: '' },
        amounts: { total: '28.63', totalTax: '4.73' },
      });
      expect(row.anonymised_at).not.toBeNull();
    }
    expect((await rowOf(refunded)).credit_notes).toHaveLength(2);
    expect(await rowOf(newYearsEve)).toMatchObject({ billing_name: 'Fenna Visser', anonymised_at: null });
    const shown = (await archive(inv(processing), FISCAL_TOKEN)).json();
    expect(shown).toMatchObject({ billingName: '[deleted]', anonymisedAt: expect.any(String), amounts: { total: '28.63' } });

    const later = await sweepAt('2033-01-01T00:00:00Z');
    expect(later.counts.fiscalAnonymised).toBe(1);
    expect(await rowOf(newYearsEve)).toMatchObject({ billing_name: '[deleted]', billing_address: { city: '[deleted]', country: '' } });
    expect(JSON.stringify((await ctx.pool.query('SELECT * FROM fiscal_archive')).rows)).not.toMatch(/Visser|Keizersgracht|1015 AA/);
  });
});
