import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { startFakeWooCommerce, type FakeWoo } from '../fakes/woocommerce.js';
import { WEBHOOK_SECRET } from '../setup/context.js';
import { type DsrWorld, startDsrWorld } from './world.js';

/**
 * P18 rectification, end to end through the HTTP API with real Postgres, Redis and SMTP. Without the shop's REST API
 * an overlay keeps the correction winning over incoming webhooks until an operator confirms the shop was corrected;
 * with it (the fake WooCommerce) the correction is written to the shop first, so its next webhook carries it.
 * Issued invoices — paid orders — keep the address they were issued with.
 */

const CHANGES = { lastName: 'Jansen', billing: { address1: 'Oudegracht 231', city: 'Utrecht' } };
const OLD = { address1: 'Keizersgracht 1', city: 'Amsterdam' };
const UNPAID = { date_paid: null, date_paid_gmt: null, needs_payment: true };

const customerOf = async (w: DsrWorld, email: string) => (await w.api('GET', `/api/customers?email=${encodeURIComponent(email)}`)).body.customers[0];
const billingOf = async (w: DsrWorld, email: string) => {
  const id = (await customerOf(w, email)).id;
  return (await w.ctx.pool.query('SELECT billing FROM persons WHERE id = $1', [id])).rows[0].billing as Record<string, string>;
};
const overlays = async (w: DsrWorld) => (await w.ctx.pool.query('SELECT confirmed_at FROM rectification_overlays')).rows;

/** Files, verifies (operator) and completes the rectification; the completed request. */
async function rectify(w: DsrWorld, email: string) {
  const filed = await w.fileRequest('rectification', email, { lang: 'en', changes: CHANGES });
  expect(filed.status).toBe(201);
  expect((await w.api('POST', `/api/privacy-requests/${filed.body.id}/verify`, { note: 'Client called from the known number.' })).status).toBe(200);
  const done = await w.complete(filed.body.id);
  expect(done.status).toBe(200);
  return done.body;
}

async function expectConfirmationMail(w: DsrWorld, email: string) {
  const [mail] = await w.waitForMails(email, 1, (m) => m.subject === 'Your data has been corrected');
  expect(mail!.envelopeTo).toEqual([email]);
  expect(mail!.text).toMatch(/Changed: (last name and billing address|billing address and last name)\./);
  for (const value of ['Jansen', 'Oudegracht', 'Utrecht']) expect(mail!.text).not.toContain(value);
}

describe('P18 rectification without the shop\'s REST API: an overlay survives the next webhook', () => {
  let w: DsrWorld;
  beforeAll(async () => { w = await startDsrWorld(); });
  afterAll(async () => w?.close());

  test('when a correction is completed, then the mirror shows it, the next webhooks with the old values do not undo it, and after confirm-shop-corrected a later webhook wins again', async () => {
    const email = `rectify-${nextId()}@example.com`;
    const { customer, orders: [paid] } = await w.mirrorPerson(email, { orders: 1 });
    const open = anOrder({ email, first_name: 'Zoë', last_name: 'de Vries', customer_id: customer.id, status: 'on-hold', created: '2025-01-05T09:00:00', modified: '2025-01-05T09:01:00', ...UNPAID });
    await w.deliver(open, 'order.created');

    const done = await rectify(w, email);
    expect(done).toMatchObject({ status: 'completed', outcome: { writtenToShop: null, overlay: true } });
    expect(await overlays(w)).toEqual([{ confirmed_at: null }]);
    const expectCorrected = async () => {
      expect(await customerOf(w, email)).toMatchObject({ firstName: 'Zoë', lastName: 'Jansen' });
      expect(await billingOf(w, email)).toMatchObject({ ...CHANGES.billing, postcode: '1015 AA' });
      const shown = (await customerOf(w, email)).orders as { wcOrderId: number; billing: Record<string, string> }[];
      // The unpaid order takes the new address; the paid one (an issued invoice) keeps the old one.
      expect(shown.find((o) => o.wcOrderId === open.id)!.billing).toMatchObject(CHANGES.billing);
      expect(shown.find((o) => o.wcOrderId === paid!.id)!.billing).toMatchObject(OLD);
    };
    await expectCorrected();
    await expectConfirmationMail(w, email);

    // The shop still holds the old values: its next webhooks (newer dates) bring them back — and lose.
    await w.deliver({ ...customer, date_modified: '2025-02-01T10:00:00', date_modified_gmt: '2025-02-01T10:00:00' }, 'customer.updated');
    await w.deliver({ ...open, date_modified: '2025-02-01T10:00:00', date_modified_gmt: '2025-02-01T10:00:00' }, 'order.updated');
    await w.deliver({ ...paid!, date_modified: '2025-02-01T10:00:00', date_modified_gmt: '2025-02-01T10:00:00', customer_note: 'Please ring twice' }, 'order.updated');
    await expectCorrected();

    const confirmed = await w.api('POST', `/api/privacy-requests/${done.id}/confirm-shop-corrected`);
    expect(confirmed.status).toBe(200);
    expect((await overlays(w))[0].confirmed_at).toBeInstanceOf(Date);

    // From now on the shop is the source again: a later webhook's values win.
    await w.deliver({ ...customer, last_name: 'de Vries-Jansen', date_modified: '2025-03-01T10:00:00', date_modified_gmt: '2025-03-01T10:00:00' }, 'customer.updated');
    expect(await customerOf(w, email)).toMatchObject({ lastName: 'de Vries-Jansen' });
    expect(await billingOf(w, email)).toMatchObject(OLD);
  });
});

describe('P18 rectification with the shop\'s REST API (WC_URL): written to WooCommerce first, no overlay', () => {
  let fake: FakeWoo;
  let w: DsrWorld;
  let caDir: string;
  beforeAll(async () => {
    fake = await startFakeWooCommerce();
    fake.clock.set(new Date()); // shop and service share one clock
    caDir = await mkdtemp(join(tmpdir(), 'rectify-ca-'));
    const caFile = join(caDir, 'ca.pem');
    await writeFile(caFile, fake.ca);
    w = await startDsrWorld({ config: { woo: { url: fake.url, consumerKey: fake.consumerKey, consumerSecret: fake.consumerSecret, caFile, timeoutMs: 5000 } } });
    await w.ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const deliveryUrl = `http://127.0.0.1:${(w.ctx.app.server.address() as AddressInfo).port}/webhooks/woocommerce`;
    for (const topic of ['customer.created', 'customer.updated', 'order.created', 'order.updated']) {
      await w.ctx.deps.sync!.woo.post('webhooks', { name: `companion ${topic}`, topic, delivery_url: deliveryUrl, secret: WEBHOOK_SECRET });
    }
  });
  afterAll(async () => {
    await w?.close();
    await fake?.close();
    await rm(caDir, { recursive: true, force: true });
  });

  test('when a correction is completed, then the shop receives PUT customers/{id} (and the unpaid order) with the new fields, no overlay is kept, and the shop\'s next webhook carries the correction', async () => {
    const email = `rectify-wc-${nextId()}@example.com`;
    const customer = await fake.putCustomer(aCustomer({ email, first_name: 'Zoë', last_name: 'de Vries' }));
    const cid = customer.id as number;
    const paid = await fake.putOrder(anOrder({ email, first_name: 'Zoë', last_name: 'de Vries', customer_id: cid, status: 'processing' }));
    const open = await fake.putOrder(anOrder({ email, first_name: 'Zoë', last_name: 'de Vries', customer_id: cid, status: 'on-hold', ...UNPAID }));
    await w.ctx.drained();
    expect(await customerOf(w, email)).toMatchObject({ lastName: 'de Vries', wcCustomerId: cid });

    const done = await rectify(w, email);
    expect(done).toMatchObject({ status: 'completed', outcome: { writtenToShop: { customer: true, orders: 1 }, overlay: false } });
    const puts = fake.requests.filter((r) => r.method === 'PUT').map((r) => [r.path, r.status]);
    expect(puts).toEqual([[`/wp-json/wc/v3/customers/${cid}`, 200], [`/wp-json/wc/v3/orders/${open.id as number}`, 200]]);
    expect(fake.getCustomer(cid)).toMatchObject({ first_name: 'Zoë', last_name: 'Jansen', billing: { address_1: 'Oudegracht 231', city: 'Utrecht', postcode: '1015 AA' } });
    expect(fake.getOrder(open.id as number)).toMatchObject({ billing: { address_1: 'Oudegracht 231', city: 'Utrecht' } });
    expect(fake.getOrder(paid.id as number)).toMatchObject({ billing: { address_1: 'Keizersgracht 1', city: 'Amsterdam' } });
    expect(await overlays(w)).toEqual([]);
    expect(await customerOf(w, email)).toMatchObject({ lastName: 'Jansen' });
    await expectConfirmationMail(w, email);

    // The shop's webhooks after the PUT and after a later, unrelated change carry the correction: nothing undoes it.
    await fake.putCustomer({ ...fake.getCustomer(cid)!, first_name: 'Zoe' });
    await w.ctx.drained();
    expect(await customerOf(w, email)).toMatchObject({ firstName: 'Zoe', lastName: 'Jansen' });
    expect(await billingOf(w, email)).toMatchObject(CHANGES.billing);
    const shown = (await customerOf(w, email)).orders as { wcOrderId: number; billing: Record<string, string> }[];
    expect(shown.find((o) => o.wcOrderId === paid.id)!.billing).toMatchObject(OLD);
  });
});
