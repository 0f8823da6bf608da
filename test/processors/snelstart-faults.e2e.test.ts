import { anOrder, nextId } from '../builders/woocommerce.js';
import { ADMIN_TOKEN } from '../setup/context.js';
import { type World, startWorld } from './world.js';

/**
 * Snelstart faults end to end (webhook → mirror → sync record → queue → fake): 429 with Retry-After, 5xx, a
 * validation error parked as failed and retried by the operator, a timeout after Snelstart accepted the booking.
 * Whatever happens, an invoice is booked once. P9: no email, no phone in anything Snelstart receives.
 */

const emails: string[] = [];
function paidOrder() {
  const email = `snelfault-${nextId()}@example.com`;
  emails.push(email);
  return anOrder({ email, status: 'processing', total: '29.63' });
}
const bookingsOf = (w: World, invoice: string) => w.snelstart.state.bookings.filter((b) => b.factuurnummer === invoice);
const snelstartSync = async (w: World, id: number) => (await w.settled(id)).find((s) => s.processor === 'snelstart' && s.kind === 'booking');
/** The booking creates Snelstart received for an invoice number (stored or refused). */
const createsOf = (w: World, invoice: string) =>
  w.snelstart.requests.filter((r) => r.method === 'POST' && r.path === '/v2/verkoopboekingen' && (r.body as { factuurnummer?: string } | undefined)?.factuurnummer === invoice);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => w.close());

describe('P9 Snelstart pushes survive processor faults', () => {
  test('when Snelstart answers 429 with Retry-After, then the push waits that long, retries and books once', async () => {
    const order = paidOrder();
    // 2 s: longer than the default first backoff (0.5–1 s), so waiting that long proves Retry-After was honoured.
    w.snelstart.failNext(1, { status: 429, retryAfter: 2 });
    const started = Date.now();
    await w.deliver(order, 'order.created');
    const sync = await snelstartSync(w, order.id);
    expect(sync).toMatchObject({ status: 'done', lastError: null });
    expect(sync!.attempts).toBeGreaterThanOrEqual(2); // the 429 counted as an attempt, then the booking
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const booked = bookingsOf(w, `WC-${order.number}`);
    expect(booked).toHaveLength(1);
    expect(sync!.externalId).toBe(booked[0]!.id);
  });

  test('when Snelstart answers 503 once, then the push retries with backoff and books once', async () => {
    const order = paidOrder();
    w.snelstart.failNext(1, { status: 503 });
    await w.deliver(order, 'order.created');
    const sync = await snelstartSync(w, order.id);
    const booked = bookingsOf(w, `WC-${order.number}`);
    expect(booked).toHaveLength(1);
    expect(sync).toMatchObject({ status: 'done', externalId: booked[0]!.id, attempts: 2, lastError: null });
  });

  test('when Snelstart rejects the booking (400, unknown relation), then it is parked as failed with the normalised error, not retried, and an operator retry books it', async () => {
    const relations = w.snelstart.state.relaties;
    const collective = relations.splice(relations.findIndex((r) => r.id === w.snelstart.collectiveRelationId), 1)[0]!;
    const order = paidOrder();
    const invoice = `WC-${order.number}`;
    try {
      await w.deliver(order, 'order.created');
      const failed = await snelstartSync(w, order.id);
      expect(failed).toMatchObject({ status: 'failed', externalId: null, attempts: 1 });
      // Normalised: status and Snelstart's error code; the message text (which quotes what was sent) is not kept.
      expect(failed!.lastError).toBe('snelstart 400 BOE-0010: Snelstart rejected the request: BOE-0010');
      expect(failed!.lastError).not.toContain(w.snelstart.collectiveRelationId);
      await sleep(1500); // longer than a first backoff: a retry would have come by now
      expect(createsOf(w, invoice)).toHaveLength(1);
      expect(await snelstartSync(w, order.id)).toMatchObject({ status: 'failed', attempts: 1 });
    } finally {
      relations.unshift(collective); // the cause is gone
    }

    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const res = await w.ctx.app.inject({ method: 'POST', url: `/api/orders/${order.id}/sync/snelstart/retry`, headers: auth });
    expect(res.statusCode).toBe(202);
    expect(res.json().sync).toEqual(expect.arrayContaining([expect.objectContaining({ processor: 'snelstart', kind: 'booking', status: 'pending' })]));
    const done = await snelstartSync(w, order.id);
    const booked = bookingsOf(w, invoice);
    expect(booked).toHaveLength(1);
    expect(done).toMatchObject({ status: 'done', externalId: booked[0]!.id, attempts: 2, lastError: null });
    const view = (await w.ctx.app.inject({ url: `/api/orders/${order.id}`, headers: auth })).json();
    expect(view.sync).toEqual(expect.arrayContaining([expect.objectContaining({ processor: 'snelstart', status: 'done', externalId: booked[0]!.id })]));
  });

  test('when Snelstart stores the booking but the answer never comes, then the next attempt finds it by invoice number: one booking', async () => {
    const order = paidOrder();
    const invoice = `WC-${order.number}`;
    w.snelstart.timeoutAfterAccept(); // PROCESSOR_TIMEOUT_MS is 1500 in the world
    await w.deliver(order, 'order.created');
    const sync = await snelstartSync(w, order.id);
    const booked = bookingsOf(w, invoice);
    expect(booked).toHaveLength(1);
    expect(createsOf(w, invoice)).toHaveLength(1); // looked up, never created again
    expect(sync).toMatchObject({ status: 'done', externalId: booked[0]!.id, lastError: null });
    expect(sync!.attempts).toBeGreaterThanOrEqual(2);
    const lookups = w.snelstart.requests.filter((r) => r.path === '/v2/verkoopfacturen' && (r.query.$filter ?? '').includes(`'${invoice}'`));
    expect(lookups.length).toBeGreaterThanOrEqual(2); // before the create, and again after the ambiguous timeout
  });

  test('P9: no request Snelstart received carries an email address or a phone number', () => {
    expect(w.snelstart.requests.length).toBeGreaterThan(0);
    for (const r of w.snelstart.requests) {
      const text = JSON.stringify([r.body, r.query, r.headers]);
      expect(text).not.toMatch(/@/);
      for (const e of emails) expect(text).not.toContain(e);
      expect(text).not.toMatch(/\+31|12345678/);
    }
  });
});
