import { anOrder, nextId } from '../builders/woocommerce.js';
import { ADMIN_TOKEN } from '../setup/context.js';
import { type SyncView, type World, startWorld } from './world.js';
import { withTryLock } from '../../src/platform/db.js';
import { PUSH_LOCK } from '../../src/processors/push-lock.js';

/**
 * P19 (restriction), P21 (objection), P13b (forget me) through the processing gate, end to end: a push of a
 * restricted person or one with a pending objection is held — not failed, not retried, nothing sent — until
 * releaseFor(person), and then runs with the data as it is at that moment; an erased person's pushes are dropped.
 */

const DELAY_MS = 2_160; // REVIEW_INVITE_DELAY_DAYS=0.000025: the invitation waits ~2 s, long enough to hold or erase it
const CONSENT = [{ id: 9, key: '_review_consent', value: 'yes' }];
const NEW_ADDRESS = { address_1: 'Oudegracht 231-bis', address_2: '', city: 'Utrecht', postcode: '3511 NK', country: 'NL' };

let w: World;
beforeAll(async () => {
  w = await startWorld({ env: { SNELSTART_RELATION_MODE: 'per-person', REVIEW_INVITE_DELAY_DAYS: '0.000025' } });
  // Person 1 would be found as relatiecode 1 — the fake's collective relation — so the first person is a bystander.
  await w.deliver(anOrder({ email: `bystander-${nextId()}@example.com`, status: 'on-hold' }), 'order.created');
  await w.ctx.drained();
});
afterAll(async () => w.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const statuses = (s: SyncView[]) => s.map((x) => [x.processor, x.kind, x.status, x.reason]);
const sent = () => w.snelstart.requests.length + w.postnl.requests.length + w.own.requests.length;
const personOf = async (wcOrderId: number) =>
  Number((await w.ctx.pool.query('SELECT person_id FROM orders WHERE wc_order_id = $1', [wcOrderId])).rows[0].person_id);
async function until(check: (s: SyncView[]) => boolean, wcOrderId: number, ms = 10_000): Promise<SyncView[]> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await w.sync(wcOrderId);
    if (check(s) || Date.now() > end) return s;
    await sleep(50);
  }
}
/** An unpaid order first: the person exists in the mirror before their paid order arrives. */
async function personWithUnpaidOrder(o: Record<string, unknown> = {}) {
  const order = anOrder({ email: `gate-${nextId()}@example.com`, status: 'on-hold', total: '29.63', modified: '2025-01-02T09:00:00', ...o });
  await w.deliver(order, 'order.created');
  await w.ctx.drained();
  expect(await w.sync(order.id)).toEqual([]);
  return { order, personId: await personOf(order.id) };
}
const paid = (order: ReturnType<typeof anOrder>, extra: Record<string, unknown> = {}) =>
  w.deliver({ ...order, status: 'processing', date_modified_gmt: '2025-01-02T10:00:00', ...extra });
/** Lifts the gate as the privacy-request flow will: the fact first, then releaseFor; the relay's pass picks them up. */
async function release(personId: number, set: string) {
  await w.ctx.pool.query(`UPDATE persons SET ${set} WHERE id = $1`, [personId]);
  const n = await w.ctx.deps.processors.push.releaseFor(personId);
  w.ctx.deps.processors.relay.kick(); // releaseFor does not kick the relay itself; the scheduled pass (every minute) would
  return n;
}

describe('P19 restriction holds pushes; releasing runs them with the data as it is then', () => {
  test('when a restricted person pays an order, then its pushes are held (not failed, nothing sent, not retried); released, they send the new address', async () => {
    const { order, personId } = await personWithUnpaidOrder();
    await w.ctx.pool.query('UPDATE persons SET restricted = true WHERE id = $1', [personId]);
    const before = sent();
    await paid(order);
    let sync = await w.settled(order.id);
    expect(statuses(sync)).toEqual([['snelstart', 'booking', 'held', 'restricted'], ['postnl', 'shipment', 'held', 'restricted']]);
    await sleep(1_500); // longer than the first retry backoff: a held push is not retried
    sync = await w.sync(order.id);
    expect(sync.map((s) => [s.status, s.attempts, s.lastError])).toEqual([['held', 0, null], ['held', 0, null]]);
    expect(sent()).toBe(before);
    const api = await w.ctx.app.inject({ url: `/api/orders/${order.id}`, headers: auth });
    expect(api.json().sync.map((s: { status: string }) => s.status)).toEqual(['held', 'held']);

    // The address changes while the push waits (a new delivery of the order).
    await w.deliver({ ...order, status: 'processing', date_modified_gmt: '2025-01-03T10:00:00', billing: { ...order.billing, ...NEW_ADDRESS }, shipping: { ...order.shipping, ...NEW_ADDRESS } });
    await w.ctx.drained();
    expect(statuses(await w.sync(order.id))).toEqual([['snelstart', 'booking', 'held', 'restricted'], ['postnl', 'shipment', 'held', 'restricted']]);

    expect(await release(personId, 'restricted = false')).toBe(2);
    sync = await w.settled(order.id);
    expect(statuses(sync)).toEqual([['snelstart', 'booking', 'done', null], ['postnl', 'shipment', 'done', null]]);
    const label = w.postnl.requests.filter((r) => r.path === '/shipment/v2_2/label').at(-1)!.body as { Shipments: { Addresses: Record<string, string>[] }[] };
    expect(label.Shipments[0]!.Addresses[0]).toMatchObject({ Street: 'Oudegracht', HouseNr: '231', Zipcode: '3511NK', City: 'Utrecht' });
    const relation = w.snelstart.requests.filter((r) => r.method === 'POST' && r.path === '/v2/relaties').at(-1)!.body;
    expect(relation).toMatchObject({ relatiecode: personId, vestigingsAdres: { straat: 'Oudegracht 231-bis', plaats: 'Utrecht' } });
    expect(w.snelstart.state.bookings.filter((b) => b.factuurnummer === `WC-${order.number}`)).toHaveLength(1);
  });

  test('when a push is deciding (it read the gate closed and records held) as the gate opens, then the release waits for it and releases that push too', async () => {
    const { order, personId } = await personWithUnpaidOrder();
    await w.ctx.pool.query('UPDATE persons SET restricted = true WHERE id = $1', [personId]);
    await paid(order);
    await w.settled(order.id);
    const { rows: [booking] } = await w.ctx.pool.query(`SELECT s.id FROM processor_syncs s JOIN orders o ON o.id = s.order_id
      WHERE o.wc_order_id = $1 AND s.processor = 'snelstart'`, [order.id]);
    let released: number | null = null;
    let releasing: Promise<void> | undefined;
    // This test plays the push: it holds the push's lock (as push.service's run does) from its pending start to its
    // held record, and the gate opens in between.
    const played = await withTryLock(w.ctx.pool, `${PUSH_LOCK}${booking.id}`, async () => {
      await w.ctx.pool.query(`UPDATE processor_syncs SET status = 'pending', reason = NULL WHERE id = $1`, [booking.id]);
      releasing = release(personId, 'restricted = false').then((n) => { released = n; });
      await sleep(500);
      expect(released).toBeNull(); // it waits for the deciding push
      await w.ctx.pool.query(`UPDATE processor_syncs SET status = 'held', reason = 'restricted' WHERE id = $1`, [booking.id]);
      return true;
    });
    expect(played).toBe(true);
    await releasing;
    await until((s) => s.every((x) => x.status !== 'held'), order.id);
    expect(released).toBe(2); // the shipment held before, and the booking recorded held while the release waited
    const sync = await w.settled(order.id);
    expect(statuses(sync)).toEqual([['snelstart', 'booking', 'done', null], ['postnl', 'shipment', 'done', null]]);
  });

  test('when holdFor(person) is called while an invitation waits, then it is held past its time; releaseFor sends it once', async () => {
    const order = anOrder({ email: `hold-${nextId()}@example.com`, status: 'completed', total: '29.63', meta_data: CONSENT });
    await w.deliver(order, 'order.created');
    await until((s) => s.filter((x) => x.status === 'done').length === 2, order.id);
    const personId = await personOf(order.id);
    expect(await w.ctx.deps.processors.push.holdFor(personId)).toBe(1);
    // The invitation's delayed job runs at its time and finds the gate closed (not merely: it has not run yet).
    const syncId = Number((await w.ctx.pool.query(`SELECT s.id FROM processor_syncs s JOIN orders o ON o.id = s.order_id
      WHERE o.wc_order_id = $1 AND s.processor = 'reviews'`, [order.id])).rows[0].id);
    const q = w.ctx.deps.queues.push.reviews;
    const end = Date.now() + DELAY_MS + 10_000;
    let ran: unknown = null;
    while (!ran && Date.now() < end) {
      for (const j of await q.getJobs(['completed'])) if (j.data?.syncId === syncId) ran = j.returnvalue;
      if (!ran) await sleep(50);
    }
    expect(ran).toMatchObject({ status: 'held' });
    expect(statuses(await w.sync(order.id))).toEqual([
      ['snelstart', 'booking', 'done', null], ['postnl', 'shipment', 'done', null], ['reviews', 'invitation', 'held', 'restricted'],
    ]);
    const invited = () => [...w.own.state.invitations.values()].filter((i) => i.email === order.billing.email);
    expect(invited()).toEqual([]);

    expect(await release(personId, 'restricted = false')).toBe(1);
    const sync = await w.settled(order.id);
    expect(sync.at(-1)).toMatchObject({ processor: 'reviews', status: 'done', attempts: 1 });
    expect(invited()).toHaveLength(1);
  });
});

describe('P21 a pending objection holds pushes until it is decided', () => {
  test('when an objection is pending, then a new paid order is held with reason objection_pending and nothing is sent; rejected and released, it goes', async () => {
    const { order, personId } = await personWithUnpaidOrder();
    await w.ctx.pool.query(`UPDATE persons SET objection = 'pending' WHERE id = $1`, [personId]);
    const before = sent();
    await paid(order);
    expect(statuses(await w.settled(order.id))).toEqual([
      ['snelstart', 'booking', 'held', 'objection_pending'], ['postnl', 'shipment', 'held', 'objection_pending'],
    ]);
    expect(sent()).toBe(before);

    expect(await release(personId, `objection = 'rejected'`)).toBe(2);
    expect(statuses(await w.settled(order.id))).toEqual([['snelstart', 'booking', 'done', null], ['postnl', 'shipment', 'done', null]]);
  });
});

describe('P13b an erased person\'s pushes are dropped, except the books', () => {
  test('when a person is erased (POST /api/erasures) while their invitation waits, then it is skipped as erased and never sent', async () => {
    const email = `erase-${nextId()}@example.com`;
    const order = anOrder({ email, status: 'completed', total: '29.63', meta_data: CONSENT });
    await w.deliver(order, 'order.created');
    await until((s) => s.filter((x) => x.status === 'done').length === 2, order.id);
    const erased = await w.ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload: { email } });
    expect(erased.statusCode).toBe(200);
    expect(erased.json().status).toBe('erased');

    const sync = await w.settled(order.id, DELAY_MS + 10_000);
    expect(statuses(sync)).toEqual([['snelstart', 'booking', 'done', null], ['postnl', 'shipment', 'done', null], ['reviews', 'invitation', 'skipped', 'erased']]);
    expect(w.own.requests.filter((r) => r.path === '/invitations' && (r.body as { email?: string })?.email === email)).toEqual([]);
  });

  test('when a restricted person with held pushes is erased, then the shipment is dropped as erased and the booking the law requires still goes, anonymised', async () => {
    const { order, personId } = await personWithUnpaidOrder();
    await w.ctx.pool.query('UPDATE persons SET restricted = true WHERE id = $1', [personId]);
    await paid(order);
    expect((await w.settled(order.id)).map((s) => s.status)).toEqual(['held', 'held']);
    const postnlBefore = w.postnl.requests.length;
    const erased = await w.ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload: { personId } });
    expect(erased.json().status).toBe('erased');

    const after = await w.settled(order.id);
    expect(statuses(after)).toEqual([['snelstart', 'booking', 'done', null], ['postnl', 'shipment', 'skipped', 'erased']]);
    expect(w.postnl.requests.length).toBe(postnlBefore);
    const booked = w.snelstart.state.bookings.filter((b) => b.factuurnummer === `WC-${order.number}`);
    expect(booked).toHaveLength(1);
    expect(JSON.stringify(booked)).not.toContain(order.billing.email);
    // This world books per person: the erased person's relation has no name or address (the order holds placeholders).
    const relation = w.snelstart.state.relaties.find((r) => r.id === (booked[0]!.klant as { id: string }).id);
    expect(relation?.id).not.toBe(w.snelstart.collectiveRelationId);
    expect(relation).toMatchObject({ naam: '[deleted]', vestigingsAdres: { straat: '', postcode: '', plaats: '' } });
  });

  test('when an erased person\'s order is refunded afterwards, then the credit is still booked (the books follow the refund)', async () => {
    const { order, personId } = await personWithUnpaidOrder();
    await paid(order);
    await until((s) => s.every((x) => x.status === 'done'), order.id);
    const erased = await w.ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload: { personId } });
    expect(erased.json().status).toBe('erased');

    const refundId = nextId();
    await w.deliver({ ...order, status: 'processing', date_paid: '2025-01-02T09:05:00', date_paid_gmt: '2025-01-02T09:05:00',
      date_modified: '2025-01-03T10:00:00', date_modified_gmt: '2025-01-03T10:00:00', refunds: [{ id: refundId, reason: '', total: '-5.00' }] }, 'order.updated');
    const credit = await until((s) => s.some((x) => x.kind === 'credit' && x.status !== 'pending'), order.id);
    expect(statuses(credit).find((x) => x[1] === 'credit')).toEqual(['snelstart', 'credit', 'done', null]);
  });
});
