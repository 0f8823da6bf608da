import { anOrder, nextId } from '../builders/woocommerce.js';
import { ADMIN_TOKEN } from '../setup/context.js';
import type { FakeParcel } from '../fakes/postnl.js';
import { type World, startWorld } from './world.js';

/**
 * P8 end to end: a paid order that ships gets one PostNL parcel (barcode first, then the label), whatever the network
 * does in between; PostNL receives name and address only, email and phone just with POSTNL_TRACK_TRACE_MAIL=true.
 */

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** A paid order whose lines balance (the builder's default total is a euro short), shipped with `method`. */
function paidOrder(o: Record<string, unknown> = {}, method = 'flat_rate') {
  const base = anOrder({ email: `postnl-${nextId()}@example.com`, total: '29.63', ...o });
  return { ...base, shipping_lines: base.shipping_lines.map((l) => ({ ...l, method_id: method })) };
}

function parcelsOf(w: World, order: { number: string }): FakeParcel[] {
  return [...w.postnl.state.parcels.values()].filter((p) => p.reference === order.number);
}

/** Label requests the fake received for this order (the order number is the shipment's Reference). */
function labelRequestsOf(w: World, order: { number: string }) {
  return w.postnl.requests.filter((r) => r.path === '/shipment/v2_2/label'
    && (r.body as { Shipments?: { Reference?: string }[] } | undefined)?.Shipments?.[0]?.Reference === order.number);
}

const postnlSync = async (w: World, wcOrderId: number) => (await w.settled(wcOrderId)).filter((s) => s.processor === 'postnl');

describe('P8 PostNL shipments end to end', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => w.close());

  test('when a paid order ships at a flat rate, then a barcode then a label make one parcel, and the label is served as a PDF', async () => {
    const order = paidOrder();
    const before = w.postnl.requests.length;
    await w.deliver(order, 'order.created');
    const [sync] = await postnlSync(w, order.id);
    expect(sync).toMatchObject({ kind: 'shipment', status: 'done', lastError: null });

    const parcels = parcelsOf(w, order);
    expect(parcels).toEqual([expect.objectContaining({ barcode: sync!.externalId, confirmed: true, labelCalls: 1 })]);
    // Barcode first, then the label with that very barcode.
    const calls = w.postnl.requests.slice(before).map((r) => r.path);
    expect(calls).toEqual(['/shipment/v1_1/barcode', '/shipment/v2_2/label']);
    expect(labelRequestsOf(w, order)[0]!.body).toMatchObject({ Shipments: [{ Barcode: sync!.externalId, Dimension: { Weight: 1000 } }] });

    const label = await w.ctx.app.inject({ url: `/api/orders/${order.id}/label`, headers: auth });
    expect(label.statusCode).toBe(200);
    expect(label.headers['content-type']).toBe('application/pdf');
    expect(label.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  test('when the person is erased after shipping, then the label is gone (410 label_purged); an order never shipped has none (404)', async () => {
    const order = paidOrder();
    await w.deliver(order, 'order.created');
    await postnlSync(w, order.id);
    expect((await w.ctx.app.inject({ url: `/api/orders/${order.id}/label`, headers: auth })).statusCode).toBe(200);
    const erased = await w.ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload: { email: order.billing.email } });
    expect(erased.statusCode).toBe(200);
    const gone = await w.ctx.app.inject({ url: `/api/orders/${order.id}/label`, headers: auth });
    expect([gone.statusCode, gone.json().error]).toEqual([410, 'label_purged']);

    const pickedUp = paidOrder({}, 'local_pickup');
    await w.deliver(pickedUp, 'order.created');
    await w.settled(pickedUp.id);
    expect((await w.ctx.app.inject({ url: `/api/orders/${pickedUp.id}/label`, headers: auth })).statusCode).toBe(404);
  });

  test('when PostNL answers 200 with warnings, then the shipment is still done and the warnings are stored with the label', async () => {
    w.postnl.setWarnings([{ Code: '1280103', Description: 'Address could not be verified' }]);
    try {
      const order = paidOrder();
      await w.deliver(order, 'order.created');
      const [sync] = await postnlSync(w, order.id);
      expect(sync).toMatchObject({ status: 'done', lastError: null });
      expect(parcelsOf(w, order)).toHaveLength(1);
      const { rows } = await w.ctx.pool.query(
        'SELECT l.barcode, l.warnings FROM shipment_labels l JOIN orders o ON o.id = l.order_id WHERE o.wc_order_id = $1', [order.id]);
      expect(rows).toEqual([{ barcode: sync!.externalId, warnings: ['1280103'] }]);
    } finally {
      w.postnl.setWarnings(null);
    }
  });

  test('when the order is picked up (local_pickup, a default POSTNL_SKIP_METHODS entry), then no shipment sync record exists at all', async () => {
    const order = paidOrder({}, 'local_pickup');
    await w.deliver(order, 'order.created');
    const sync = await w.settled(order.id);
    expect(sync.map((s) => [s.processor, s.status])).toEqual([['snelstart', 'done']]);
    expect(labelRequestsOf(w, order)).toHaveLength(0);
  });

  test.each([
    ['429 with Retry-After', { status: 429 as const, retryAfter: 1 }],
    ['a 503', { status: 503 as const }],
  ])('when the label call first gets %s and then succeeds, then there is one parcel under the first barcode', async (_name, fault) => {
    const order = paidOrder();
    w.postnl.failNext(1, { ...fault, path: /\/label$/ });
    await w.deliver(order, 'order.created');
    const [sync] = await postnlSync(w, order.id);
    expect(sync).toMatchObject({ status: 'done', lastError: null });
    expect(sync!.attempts).toBeGreaterThanOrEqual(2);
    expect(parcelsOf(w, order)).toEqual([expect.objectContaining({ barcode: sync!.externalId, labelCalls: 1 })]);
    // The retry reused the stored barcode: both label calls carry it.
    const sent = labelRequestsOf(w, order).map((r) => (r.body as { Shipments: { Barcode: string }[] }).Shipments[0]!.Barcode);
    expect(sent).toEqual([sync!.externalId, sync!.externalId]);
  });

  test('when the label call times out after PostNL accepted it, then the retry reuses the stored barcode: one parcel, sync done', async () => {
    const order = paidOrder();
    w.postnl.timeoutAfterAccept(1);
    await w.deliver(order, 'order.created');
    const [sync] = await postnlSync(w, order.id);
    expect(sync).toMatchObject({ status: 'done', lastError: null });
    const parcels = parcelsOf(w, order);
    expect(parcels).toHaveLength(1);
    expect(parcels[0]).toMatchObject({ barcode: sync!.externalId, confirmed: true });
    // The first label call hung (a failed attempt), the retry re-issued the same parcel's label.
    expect(sync!.attempts).toBeGreaterThanOrEqual(2);
    expect(parcels[0]!.labelCalls).toBe(2);
    const label = await w.ctx.app.inject({ url: `/api/orders/${order.id}/label`, headers: auth });
    expect(label.statusCode).toBe(200);
  });

  test('when the shipping address has no house number, then the shipment fails with a reason naming the problem, never the address', async () => {
    const base = paidOrder();
    const order = { ...base, shipping: { ...base.shipping, address_1: 'Zonnebloemstraat', address_2: '', city: 'Zwolle', postcode: '8011 AB' } };
    await w.deliver(order, 'order.created');
    const [sync] = await postnlSync(w, order.id);
    expect(sync!.status).toBe('failed');
    expect(sync!.lastError).toMatch(/house number/);
    expect(sync!.lastError).not.toMatch(/Zonnebloem|Zwolle|8011|Ann|Lee|@/i);
    expect(labelRequestsOf(w, order)).toHaveLength(0);
    expect(parcelsOf(w, order)).toHaveLength(0);

    const res = await w.ctx.app.inject({ url: `/api/orders/${order.id}`, headers: auth });
    expect(res.json().sync).toEqual(expect.arrayContaining([expect.objectContaining({ processor: 'postnl', status: 'failed', lastError: sync!.lastError })]));
    expect(w.ctx.logs.filter((l) => l.includes('Zonnebloem'))).toEqual([]);
  });

  test('when POSTNL_TRACK_TRACE_MAIL is not set, then the label request carries no email and no phone', async () => {
    const order = paidOrder();
    await w.deliver(order, 'order.created');
    await postnlSync(w, order.id);
    const [req] = labelRequestsOf(w, order);
    const text = JSON.stringify(req!.body);
    expect(text).not.toContain(order.billing.email);
    expect(text).not.toMatch(/12345678/);
    expect((req!.body as { Shipments: Record<string, unknown>[] }).Shipments[0]).not.toHaveProperty('Contacts');
  });
});

describe('P8 PostNL with POSTNL_TRACK_TRACE_MAIL=true', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { POSTNL_TRACK_TRACE_MAIL: 'true' } });
  });
  afterAll(async () => w.close());

  test('when the shop switched track-and-trace mail on, then the label request carries the receiver email and phone', async () => {
    const order = paidOrder();
    await w.deliver(order, 'order.created');
    const [sync] = await postnlSync(w, order.id);
    expect(sync!.status).toBe('done');
    const [req] = labelRequestsOf(w, order);
    expect((req!.body as { Shipments: Record<string, unknown>[] }).Shipments[0]!.Contacts)
      .toEqual([{ ContactType: '01', Email: order.billing.email, SMSNr: '+31612345678' }]);
  });
});
