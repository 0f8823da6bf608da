import { createHash } from 'node:crypto';
import { insertDeliveries } from '../../src/intake/inbox.repository.js';
import { anOrder, nextId } from '../builders/woocommerce.js';
import { ADMIN_TOKEN } from '../setup/context.js';
import { type World, startWorld } from './world.js';

/**
 * Snelstart end to end: webhook → mirror → sync record → queue → the Snelstart fake. Happy path, token expiry, a
 * partial refund as a credit booking, and no push for history (backfill, before PROCESSORS_START_AT). P9: no email,
 * no phone in anything Snelstart receives. Faults (429, 5xx, validation, timeout) are in snelstart-faults.e2e.test.ts.
 */

type Rec = Record<string, unknown>;
const cents = (v: unknown) => Math.round(Number(v) * 100);
const emails: string[] = [];
/** A paid order that balances (the builder's default total is a euro short), with its own email. */
function paidOrder(extra: Record<string, unknown> = {}) {
  const email = `snel-${nextId()}@example.com`;
  emails.push(email);
  return anOrder({ email, status: 'processing', total: '29.63', ...extra });
}
const bookingsOf = (w: World, invoice: string) => w.snelstart.state.bookings.filter((b) => b.factuurnummer === invoice);
const snelstartSync = async (w: World, id: number, kind = 'booking') => (await w.settled(id)).filter((s) => s.processor === 'snelstart' && s.kind === kind);
const orderApi = (w: World, id: number) => w.ctx.app.inject({ url: `/api/orders/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

function expectBalanced(b: Rec, total: number) {
  const regels = b.boekingsregels as Rec[];
  const btw = b.btw as Rec[];
  expect(cents(b.factuurbedrag)).toBe(total);
  expect(regels.reduce((s, r) => s + cents(r.bedrag), 0) + btw.reduce((s, v) => s + cents(v.btwBedrag), 0)).toBe(total);
}

/** P9: nothing Snelstart received — body, query or headers — carries an email address or a phone number. */
function expectNoContactData(w: World) {
  expect(w.snelstart.requests.length).toBeGreaterThan(0);
  for (const r of w.snelstart.requests) {
    const text = JSON.stringify([r.body, r.query, r.headers]);
    expect(text).not.toMatch(/@/);
    for (const e of emails) expect(text).not.toContain(e);
    expect(text).not.toMatch(/\+31|12345678/);
  }
}

describe('P9 Snelstart bookings end to end', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => w.close());

  test('when an order is paid, then one balanced booking WC-<number> against the collective relation, and the sync record holds its id', async () => {
    const order = paidOrder();
    await w.deliver(order, 'order.created');
    const [sync] = await snelstartSync(w, order.id);
    const booked = bookingsOf(w, `WC-${order.number}`);
    expect(booked).toHaveLength(1);
    const b = booked[0]!;
    expect(b.klant).toMatchObject({ id: w.snelstart.collectiveRelationId });
    expectBalanced(b, 2963);
    expect(sync).toMatchObject({ status: 'done', externalId: b.id, attempts: 1, lastError: null });

    const res = await orderApi(w, order.id);
    expect(res.statusCode).toBe(200);
    expect(res.json().sync).toEqual(expect.arrayContaining([
      expect.objectContaining({ processor: 'snelstart', kind: 'booking', status: 'done', externalId: b.id, attempts: 1, lastError: null }),
    ]));
  });

  test('when the token expires mid-run, then the next push fetches one new token and books at the first attempt', async () => {
    const warm = paidOrder();
    await w.deliver(warm, 'order.created'); // a token is cached by now
    expect((await snelstartSync(w, warm.id))[0]).toMatchObject({ status: 'done' });
    w.snelstart.expireTokens();
    const tokensBefore = w.snelstart.tokenRequests().length;
    const mark = w.snelstart.requests.length;

    const order = paidOrder();
    await w.deliver(order, 'order.created');
    const [sync] = await snelstartSync(w, order.id);
    expect(sync).toMatchObject({ status: 'done', attempts: 1 });
    expect(bookingsOf(w, `WC-${order.number}`)).toHaveLength(1);
    expect(w.snelstart.tokenRequests().length - tokensBefore).toBe(1);
    // The expired token was tried first (401), then the new one.
    const bearers = w.snelstart.requests.slice(mark).filter((r) => r.path.startsWith('/v2/')).map((r) => r.headers.authorization);
    expect(new Set(bearers).size).toBe(2);
  });

  test('when a partial refund arrives after the booking, then one negative credit booking WC-<number>-C77, and a repeat books nothing', async () => {
    const order = paidOrder();
    await w.deliver(order, 'order.created');
    expect((await snelstartSync(w, order.id))[0]).toMatchObject({ status: 'done' });

    const refunded = { ...order, date_modified_gmt: '2025-01-03T10:00:00', refunds: [{ id: 77, reason: 'Kapotte mok', total: '-10.00' }] };
    await w.deliver(refunded);
    const [credit] = await snelstartSync(w, order.id, 'credit');
    const credits = bookingsOf(w, `WC-${order.number}-C77`);
    expect(credits).toHaveLength(1);
    const c = credits[0]!;
    expect(c.klant).toMatchObject({ id: w.snelstart.collectiveRelationId });
    expectBalanced(c, -1000);
    for (const r of c.boekingsregels as Rec[]) expect(cents(r.bedrag)).toBeLessThan(0);
    for (const v of c.btw as Rec[]) expect(cents(v.btwBedrag)).toBeLessThan(0);
    expect(credit).toMatchObject({ ref: '77', status: 'done', externalId: c.id });

    await w.deliver({ ...refunded, date_modified_gmt: '2025-01-04T10:00:00', customer_note: 'again' });
    const after = await w.settled(order.id);
    expect(after.filter((s) => s.processor === 'snelstart').map((s) => [s.kind, s.ref, s.status])).toEqual([['booking', null, 'done'], ['credit', '77', 'done']]);
    expect(bookingsOf(w, `WC-${order.number}-C77`)).toHaveLength(1);
    expect(bookingsOf(w, `WC-${order.number}`)).toHaveLength(1);
  });

  test('when a paid order arrives through a backfill, then it is mirrored but nothing is pushed', async () => {
    const order = paidOrder();
    const body = Buffer.from(JSON.stringify(order));
    await insertDeliveries(w.ctx.pool, [{
      source: 'https://shop.example', topic: 'order.created', webhookId: null, body, bodySha256: createHash('sha256').update(body).digest(),
      origin: 'backfill', resourceId: order.id,
    }]);
    w.ctx.deps.relay.kick();
    await w.ctx.drained();
    await new Promise((r) => setTimeout(r, 500));
    const res = await orderApi(w, order.id);
    expect(res.statusCode).toBe(200);
    expect(res.json().sync).toEqual([]);
    expect(w.snelstart.requests.filter((r) => JSON.stringify(r).includes(`WC-${order.number}`))).toEqual([]);
  });

  test('P9: no request Snelstart received carries an email address or a phone number', () => {
    expectNoContactData(w);
  });
});

describe('P9 Snelstart: history before PROCESSORS_START_AT is never pushed', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { PROCESSORS_START_AT: '2025-06-01T00:00:00Z' } });
  });
  afterAll(async () => w.close());

  test('when an order last modified before PROCESSORS_START_AT arrives, then no sync record and no booking; a later one is booked', async () => {
    const old = paidOrder(); // modified 2025-01-02
    await w.deliver(old, 'order.created');
    await w.ctx.drained();
    await new Promise((r) => setTimeout(r, 500));
    expect(await w.sync(old.id)).toEqual([]);

    const recent = paidOrder({ modified: '2025-07-01T09:00:00' });
    await w.deliver(recent, 'order.created');
    expect((await snelstartSync(w, recent.id))[0]).toMatchObject({ status: 'done' });
    expect(w.snelstart.state.bookings.map((b) => b.factuurnummer)).toEqual([`WC-${recent.number}`]);
    expectNoContactData(w);
  });
});
