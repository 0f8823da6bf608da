import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { startFakeWooCommerce, type FakeWoo } from '../fakes/woocommerce.js';
import { WEBHOOK_SECRET } from '../setup/context.js';
import { type DsrWorld, startDsrWorld } from './world.js';
import { lockIdentities } from '../../src/erasure/erasure.repository.js';

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

  test('when an order corrected while unpaid is then paid, then the payment webhook (old address, from the shop) does not bring the old address back', async () => {
    const email = `rectify-paid-${nextId()}@example.com`;
    const { customer } = await w.mirrorPerson(email, { orders: 0 });
    const open = anOrder({ email, customer_id: customer.id, status: 'on-hold', created: '2025-01-05T09:00:00', modified: '2025-01-05T09:01:00', ...UNPAID });
    await w.deliver(open, 'order.created');
    await rectify(w, email);
    const billingOfOrder = async () => (await w.api('GET', `/api/orders/${open.id}`)).body.billing;
    expect(await billingOfOrder()).toMatchObject(CHANGES.billing);

    // The client pays: the shop sends the order as it holds it — paid, processing, with the address before the correction.
    await w.deliver({ ...open, status: 'processing', date_paid: '2025-02-02T10:00:00', date_paid_gmt: '2025-02-02T10:00:00', needs_payment: false,
      date_modified: '2025-02-02T10:00:00', date_modified_gmt: '2025-02-02T10:00:00' }, 'order.updated');
    const paid = (await w.api('GET', `/api/orders/${open.id}`)).body;
    expect(paid.status).toBe('processing');
    expect(paid.billing).toMatchObject(CHANGES.billing);
    expect(paid.shipping).toMatchObject({ address1: 'Keizersgracht 1' }); // only what was corrected changes
  });

  test('when a second rectification with other changes is filed while the first is open, then it is its own request and both corrections are made', async () => {
    const email = `rectify-two-${nextId()}@example.com`;
    await w.mirrorPerson(email, { orders: 0 });
    const first = await w.fileRequest('rectification', email, { lang: 'en', changes: { lastName: 'Jansen' } });
    const second = await w.fileRequest('rectification', email, { lang: 'en', changes: { billing: { city: 'Utrecht' } } });
    const repeat = await w.fileRequest('rectification', email, { lang: 'en', changes: { lastName: 'Jansen' } });
    expect([first.status, second.status, repeat.status]).toEqual([201, 201, 201]);
    const linkedTo = async (id: string) => (await w.ctx.pool.query('SELECT linked_to FROM privacy_requests WHERE id = $1', [id])).rows[0].linked_to;
    expect(await linkedTo(second.body.id)).toBeNull();
    expect(await linkedTo(repeat.body.id)).toBe(first.body.id); // the same changes again: a duplicate, linked

    for (const id of [first.body.id, second.body.id]) {
      expect((await w.api('POST', `/api/privacy-requests/${id}/verify`, { note: 'Client called from the known number.' })).status).toBe(200);
      expect((await w.complete(id)).status).toBe(200);
    }
    expect(await customerOf(w, email)).toMatchObject({ lastName: 'Jansen' });
    expect(await billingOf(w, email)).toMatchObject({ city: 'Utrecht' });
  });

  test('when two corrections of different address fields are kept, then the shop\'s next webhook undoes neither; the overlay ends when the last of them is confirmed', async () => {
    const email = `rectify-both-${nextId()}@example.com`;
    const { customer } = await w.mirrorPerson(email, { orders: 0 });
    const ids: string[] = [];
    for (const changes of [{ billing: { address1: 'Oudegracht 231' } }, { billing: { city: 'Utrecht' } }]) {
      const filed = await w.fileRequest('rectification', email, { lang: 'en', changes });
      expect((await w.api('POST', `/api/privacy-requests/${filed.body.id}/verify`, { note: 'Client called from the known number.' })).status).toBe(200);
      expect((await w.complete(filed.body.id)).status).toBe(200);
      ids.push(filed.body.id);
    }
    const webhook = async (day: string) => {
      await w.deliver({ ...customer, date_modified: `2025-02-${day}T10:00:00`, date_modified_gmt: `2025-02-${day}T10:00:00` }, 'customer.updated');
      return billingOf(w, email);
    };
    expect(await webhook('01')).toMatchObject({ address1: 'Oudegracht 231', city: 'Utrecht' });
    // The shop got the first correction: the second still waits, so the overlay goes on.
    expect((await w.api('POST', `/api/privacy-requests/${ids[0]}/confirm-shop-corrected`)).status).toBe(200);
    expect(await webhook('02')).toMatchObject({ city: 'Utrecht' });
    expect((await w.api('POST', `/api/privacy-requests/${ids[1]}/confirm-shop-corrected`)).status).toBe(200);
    expect(await webhook('03')).toMatchObject(OLD); // the shop is the source again
  });

  test('when a confirmed overlay starts over with a new correction, then an order the first one corrected and that was paid since keeps its invoice address', async () => {
    const email = `rectify-again-${nextId()}@example.com`;
    const { customer } = await w.mirrorPerson(email, { orders: 0 });
    const open = anOrder({ email, customer_id: customer.id, status: 'on-hold', created: '2025-01-05T09:00:00', modified: '2025-01-05T09:01:00', ...UNPAID });
    await w.deliver(open, 'order.created');
    const correct = async (changes: object) => {
      const filed = await w.fileRequest('rectification', email, { lang: 'en', changes });
      expect((await w.api('POST', `/api/privacy-requests/${filed.body.id}/verify`, { note: 'Client called from the known number.' })).status).toBe(200);
      expect((await w.complete(filed.body.id)).status).toBe(200);
      return filed.body.id as string;
    };
    const first = await correct({ billing: { address1: 'Oudegracht 231' } });
    expect((await w.api('POST', `/api/privacy-requests/${first}/confirm-shop-corrected`)).status).toBe(200);
    // Paid, as the shop now holds it (corrected): the invoice is issued with Oudegracht 231.
    const paid = { ...open, status: 'processing', date_paid: '2025-02-02T10:00:00', date_paid_gmt: '2025-02-02T10:00:00', needs_payment: false,
      billing: { ...open.billing, address_1: 'Oudegracht 231' }, date_modified: '2025-02-02T10:00:00', date_modified_gmt: '2025-02-02T10:00:00' };
    await w.deliver(paid, 'order.updated');
    await correct({ billing: { address1: 'Domplein 4' } });
    await w.deliver({ ...paid, customer_note: 'ring twice', date_modified: '2025-02-03T10:00:00', date_modified_gmt: '2025-02-03T10:00:00' }, 'order.updated');
    expect((await w.api('GET', `/api/orders/${open.id}`)).body.billing).toMatchObject({ address1: 'Oudegracht 231' });
    expect(await billingOf(w, email)).toMatchObject({ address1: 'Domplein 4' });
  });

  test('when the person is erased while the correction waits for the erasure\'s locks, then the correction refuses (409 erased) and writes nothing back', async () => {
    const email = `rectify-erased-${nextId()}@example.com`;
    await w.mirrorPerson(email, { orders: 0 });
    const personId = (await customerOf(w, email)).id as number;
    const filed = await w.fileRequest('rectification', email, { lang: 'en', changes: CHANGES });
    expect((await w.api('POST', `/api/privacy-requests/${filed.body.id}/verify`, { note: 'Client called from the known number.' })).status).toBe(200);
    const erasure = await w.ctx.pool.connect(); // plays an erasure in flight: it holds the person's names
    try {
      await erasure.query('BEGIN');
      await lockIdentities(erasure, [personId]);
      const completing = w.complete(filed.body.id);
      // The correction has checked the person and now waits for the names the "erasure" holds.
      const waiting = async () => (await w.ctx.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
        AND wait_event_type = 'Lock' AND wait_event = 'advisory' AND pid <> pg_backend_pid()`)).rowCount! > 0;
      const end = Date.now() + 10_000;
      while (!(await waiting()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(await waiting()).toBe(true);
      await erasure.query(`UPDATE persons SET status = 'erased', last_name = '[deleted]', billing = '{}' WHERE id = $1`, [personId]);
      await erasure.query('COMMIT');
      const res = await completing;
      expect(res.status).toBe(409);
      expect(res.body.error).toBe('erased');
    } finally {
      erasure.release();
    }
    const { rows } = await w.ctx.pool.query('SELECT last_name, billing FROM persons WHERE id = $1', [personId]);
    expect(rows[0]).toEqual({ last_name: '[deleted]', billing: {} });
    expect((await w.ctx.pool.query('SELECT count(*)::int AS n FROM rectification_overlays WHERE person_id = $1', [personId])).rows[0].n).toBe(0);
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

  test('when the person is a guest (no account in the shop to hold it), then an overlay is kept too and the next order webhook does not undo the name', async () => {
    const email = `rectify-guest-${nextId()}@example.com`;
    const paid = await fake.putOrder(anOrder({ email, first_name: 'Zoë', last_name: 'de Vries', customer_id: 0, status: 'processing' }));
    await w.ctx.drained();
    const done = await rectify(w, email);
    expect(done).toMatchObject({ status: 'completed', outcome: { writtenToShop: { customer: false, orders: 0 }, overlay: true } });
    expect(await customerOf(w, email)).toMatchObject({ lastName: 'Jansen' });
    // The paid order completes in the shop: its webhook carries the name and address the invoice was issued with.
    await fake.putOrder({ ...fake.getOrder(paid.id as number)!, status: 'completed' });
    await w.ctx.drained();
    expect(await customerOf(w, email)).toMatchObject({ lastName: 'Jansen' });
    expect(await billingOf(w, email)).toMatchObject(CHANGES.billing);

    // The guest registers; a later correction is written to the new account — and the older overlay, still open,
    // takes it too, so it does not bring the older city back over the shop's newer one.
    await fake.putCustomer(aCustomer({ email, first_name: 'Zoë', last_name: 'Jansen' }));
    await w.ctx.drained();
    const second = await w.fileRequest('rectification', email, { lang: 'en', changes: { billing: { city: 'Leiden' } } });
    expect((await w.api('POST', `/api/privacy-requests/${second.body.id}/verify`, { note: 'Client called from the known number.' })).status).toBe(200);
    expect((await w.complete(second.body.id)).body).toMatchObject({ outcome: { writtenToShop: { customer: true }, overlay: true } });
    await w.ctx.drained();
    expect(await billingOf(w, email)).toMatchObject({ city: 'Leiden', address1: 'Oudegracht 231' });
  });
});

describe('P18 with Art. 19: processors that received the old data, or may have, are listed for hand work', () => {
  let w: DsrWorld;
  beforeAll(async () => { w = await startDsrWorld({ processors: true }); });
  afterAll(async () => w?.close());

  test('when a review invitation got no answer (the site may have stored it) before the correction, then the review site is listed', async () => {
    const p = w.processors!;
    const email = `rectify-art19-${nextId()}@example.com`;
    p.own.timeoutAfterAccept(1); // stored at the site, never answered
    const order = anOrder({ email, status: 'completed', total: '29.63', date_completed_gmt: '2025-01-03T10:00:00', meta_data: [{ id: 9, key: '_review_consent', value: 'yes' }] });
    await w.deliver(order, 'order.created');
    const reviews = async () => (await p.sync(order.id)).find((s) => s.processor === 'reviews');
    const end = Date.now() + 10_000;
    while (!(p.own.requests.some((r) => r.path === '/invitations'))) {
      if (Date.now() > end) throw new Error('the invitation never reached the site');
      await new Promise((r) => setTimeout(r, 20));
    }
    p.own.failNext(1, { status: 429, retryAfter: 120 }); // its retry waits two minutes
    while (((await reviews())?.attempts ?? 0) < 2) {
      if (Date.now() > end + 5000) throw new Error('the retry was never put off');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await reviews())!.status).toBe('pending');

    const done = await rectify(w, email);
    expect(done.outcome.processors).toContainEqual({ processor: 'reviews', status: 'manual_required' });
  });
});
