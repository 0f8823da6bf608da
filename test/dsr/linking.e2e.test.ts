import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { type DsrWorld, startDsrWorld } from './world.js';
import { adoptOpenObjections } from '../../src/dsr/open-objections.repository.js';
import { withTransaction } from '../../src/platform/db.js';

/**
 * P19/P21 when the mirror links addresses: a limit on processing belongs to the person, so it must follow the
 * person when a guest turns out to be a registered customer (the guest row is merged away), and an objection
 * filed for an address nobody had yet stops the person that address later turns out to belong to — at once,
 * with no processor enabled and no push needed to notice it.
 */

let w: DsrWorld;
beforeAll(async () => { w = await startDsrWorld(); });
afterAll(async () => w?.close());

const q = async <T = any>(sql: string, params: unknown[] = []) => (await w.ctx.pool.query(sql, params)).rows as T[];
const customers = async (email: string) => (await w.api('GET', `/api/customers?email=${encodeURIComponent(email)}`)).body.customers;
/** What prepareDatabase runs at every start, after the subject keys are filled. */
const startupCheck = () => withTransaction(w.ctx.pool, (db) => adoptOpenObjections(db));
const stoppedEntries = (cause: string) => q<{ request_id: string | null; detail: Record<string, unknown> }>(
  `SELECT request_id, detail FROM audit_log WHERE action = 'processing.stopped' AND detail->>'cause' = $1 ORDER BY id`, [cause]);

/**
 * Pushes of an order waiting to go, as the processors' planner leaves them: a booking and a review invitation, due in
 * a week (so they wait as delayed jobs and change only if the mirror holds or drops them).
 */
async function pendingPushes(wcOrderId: number) {
  await q(`INSERT INTO processor_syncs (order_id, processor, kind, run_at) SELECT id, p, k, now() + interval '7 days' FROM orders,
    (VALUES ('snelstart', 'booking'), ('reviews', 'invitation')) AS v(p, k) WHERE wc_order_id = $1`, [wcOrderId]);
}
const pushes = (wcOrderId: number) => q<{ processor: string; status: string; reason: string | null }>(
  `SELECT s.processor, s.status, s.reason FROM processor_syncs s JOIN orders o ON o.id = s.order_id WHERE o.wc_order_id = $1 ORDER BY s.processor`, [wcOrderId]);
const objectionOf = async (personId: number) => (await q(`SELECT objection FROM persons WHERE id = $1`, [personId]))[0].objection;
const decide = (id: string, upheld: boolean) => w.api('POST', `/api/privacy-requests/${id}/objection-decision`, { upheld, reason: 'decided in the test' });

/** Files, verifies (by an operator) and returns a request for the address. */
async function verifiedRequest(type: string, email: string, extra: Record<string, unknown> = {}) {
  const filed = await w.fileRequest(type, email, { lang: 'en', ...extra });
  expect(filed.status).toBe(201);
  const verified = await w.api('POST', `/api/privacy-requests/${filed.body.id}/verify`, { note: 'called back on the order number' });
  expect(verified.status).toBe(200);
  return filed.body.id as string;
}

/**
 * A registered customer at `reg` (with an order whose pushes wait) and a guest order at `guest`: two persons, until
 * the customer adds the guest address.
 */
async function customerAndGuest() {
  const reg = `reg-${nextId()}@example.com`;
  const guest = `guest-${nextId()}@example.com`;
  const account = aCustomer({ email: reg });
  await w.deliver(account, 'customer.created');
  const own = anOrder({ email: reg, customer_id: account.id });
  await w.deliver(own, 'order.created');
  await pendingPushes(own.id);
  const order = anOrder({ email: guest });
  await w.deliver(order, 'order.created');
  const guestPersonId = (await customers(guest))[0].id as number;
  expect(guestPersonId).not.toBe((await customers(reg))[0].id);
  const link = () => w.deliver({ ...account, billing: { ...account.billing, email: guest }, date_modified_gmt: '2025-02-01T10:00:00' }, 'customer.updated');
  return { reg, guest, order, own, guestPersonId, link };
}

describe('P19/P21 a guest merged into a registered customer keeps the limits set on the guest', () => {
  test('when a restricted guest turns out to be a registered customer, then the delivery applies, and the one person is restricted and holds the guest\'s request', async () => {
    const { reg, guest, order, own, guestPersonId, link } = await customerAndGuest();
    const requestId = await verifiedRequest('restriction', guest);
    expect((await w.complete(requestId)).status).toBe(200);
    expect((await customers(guest))[0].status).toBe('restricted');

    await link(); // used to fail for good: the guest row could not go while its request pointed at it

    const inbox = await q(`SELECT outcome, reason FROM webhook_inbox WHERE topic = 'customer.updated' ORDER BY id DESC LIMIT 1`);
    expect(inbox).toEqual([{ outcome: 'applied', reason: null }]);
    const [person] = await customers(reg);
    expect(person.emails.sort()).toEqual([guest, reg].sort());
    expect(person.status).toBe('restricted');
    expect(person.orders.map((o: { wcOrderId: number }) => o.wcOrderId)).toContain(order.id);
    expect(await q(`SELECT person_id FROM privacy_requests WHERE id = $1`, [requestId])).toEqual([{ person_id: person.id }]);
    expect(await q(`SELECT id FROM persons WHERE id = $1`, [guestPersonId])).toEqual([]); // merged away
    expect(await stoppedEntries('merged_guest')).toContainEqual(expect.objectContaining({ detail: { reason: 'restricted', cause: 'merged_guest' } }));
    // the customer's own waiting pushes hold from now on
    expect(await pushes(own.id)).toEqual([
      { processor: 'reviews', status: 'held', reason: 'restricted' }, { processor: 'snelstart', status: 'held', reason: 'restricted' }]);
  });

  test('when the guest\'s objection was upheld, then the merged person\'s consent-based pushes end for good and the required booking still waits to go', async () => {
    const { reg, guest, own, link } = await customerAndGuest();
    const objection = await verifiedRequest('objection', guest);
    expect((await decide(objection, true)).status).toBe(200);

    await link();

    const [person] = await customers(reg);
    expect(person.emails).toContain(guest);
    expect(await objectionOf(person.id)).toBe('upheld');
    expect(await pushes(own.id)).toEqual([
      { processor: 'reviews', status: 'skipped', reason: 'objection_upheld' }, { processor: 'snelstart', status: 'pending', reason: null }]);
    expect(await stoppedEntries('merged_guest')).toContainEqual(expect.objectContaining({ detail: { reason: 'objection_upheld', cause: 'merged_guest' } }));
  });

  test('when one of two merged objections is decided, then an upheld one stays upheld; when one of two restrictions is lifted, the person stays restricted', async () => {
    const a = await customerAndGuest();
    const own = await verifiedRequest('objection', a.reg);
    expect((await decide(own, true)).status).toBe(200);
    const guests = await verifiedRequest('objection', a.guest); // still open when the addresses meet
    await a.link();
    const [p1] = await customers(a.reg);
    expect(await objectionOf(p1.id)).toBe('upheld');
    expect((await decide(guests, false)).status).toBe(200);
    expect(await objectionOf(p1.id)).toBe('upheld'); // the guest's rejection does not undo the customer's upheld objection

    const b = await customerAndGuest();
    const [r1, r2] = [await verifiedRequest('restriction', b.reg), await verifiedRequest('restriction', b.guest)];
    expect((await w.complete(r1)).status).toBe(200);
    expect((await w.complete(r2)).status).toBe(200);
    await b.link();
    const [p2] = await customers(b.reg);
    expect(p2.status).toBe('restricted');
    expect((await w.api('POST', `/api/privacy-requests/${r1}/lift`)).status).toBe(200);
    expect((await customers(b.reg))[0].status).toBe('restricted'); // the guest's restriction still stands
    expect((await w.api('POST', `/api/privacy-requests/${r2}/lift`)).status).toBe(200);
    expect((await customers(b.reg))[0].status).toBe('active');
  });

  test('when the guest\'s correction is unconfirmed, then it moves to the person and keeps winning; a confirmed one does not come back', async () => {
    const open = await customerAndGuest();
    const fix = async (email: string) => {
      const id = await verifiedRequest('rectification', email, { changes: { lastName: 'Verbeterd' } });
      expect((await w.complete(id)).status).toBe(200);
      return id;
    };
    await fix(open.guest);
    await open.link();
    const [p1] = await customers(open.reg);
    expect(await q(`SELECT changes, confirmed_at FROM rectification_overlays WHERE person_id = $1`, [p1.id]))
      .toEqual([{ changes: { lastName: 'Verbeterd' }, confirmed_at: null }]);
    expect(p1.lastName).toBe('Verbeterd'); // the webhook that merged them carried the old name

    const done = await customerAndGuest();
    const confirmed = await fix(done.guest);
    expect((await w.api('POST', `/api/privacy-requests/${confirmed}/confirm-shop-corrected`)).status).toBe(200);
    await done.link();
    const [p2] = await customers(done.reg);
    expect(await q(`SELECT person_id FROM rectification_overlays WHERE person_id = $1`, [p2.id])).toEqual([]);
    expect(p2.lastName).not.toBe('Verbeterd');
  });

  test('when the customer\'s own objection was rejected and the guest\'s is still open, then the merged person\'s objection is pending', async () => {
    const { reg, guest, link } = await customerAndGuest();
    const own = await verifiedRequest('objection', reg);
    expect((await w.api('POST', `/api/privacy-requests/${own}/objection-decision`, { upheld: false, reason: 'no such processing' })).status).toBe(200);
    expect((await customers(reg))[0].status).toBe('active');
    await w.fileRequest('objection', guest, { lang: 'en' }); // open: the guest's processing stopped at filing
    expect((await customers(guest))[0].status).toBe('objected');

    await link();

    const [person] = await customers(reg);
    expect(person.emails).toContain(guest);
    expect(person.status).toBe('objected');
    expect(await objectionOf(person.id)).toBe('pending');
  });
});

describe('P21 an objection filed for an address nobody had yet', () => {
  test('when an order then brings that address, then the person\'s processing stops as the mirror links it (no processor, no push), with an audit entry', async () => {
    const email = `object-early-${nextId()}@example.com`;
    const filed = await w.fileRequest('objection', email, { lang: 'en' });
    expect(filed.status).toBe(201);
    expect(await customers(email)).toEqual([]);

    await w.deliver(anOrder({ email }), 'order.created');

    const [person] = await customers(email);
    expect(person.status).toBe('objected');
    expect(await stoppedEntries('address_linked')).toContainEqual({ request_id: filed.body.id, detail: { reason: 'objection_pending', cause: 'address_linked' } });
  });

  test('when a known customer adds that address, then their waiting pushes hold at once', async () => {
    const { reg, own } = await customerAndGuest();
    const extra = `object-extra-${nextId()}@example.com`;
    const filed = await w.fileRequest('objection', extra, { lang: 'en' });
    expect(filed.status).toBe(201);
    const [before] = await customers(reg);
    expect(before.status).toBe('active');

    const account = aCustomer({ id: before.wcCustomerId, email: reg, billingEmail: extra, modified: '2025-03-01T10:00:00' });
    await w.deliver(account, 'customer.updated');

    expect((await customers(extra))[0].id).toBe(before.id);
    expect((await customers(reg))[0].status).toBe('objected');
    expect(await pushes(own.id)).toEqual([
      { processor: 'reviews', status: 'held', reason: 'objection_pending' }, { processor: 'snelstart', status: 'held', reason: 'objection_pending' }]);
  });

  test('when the objection was rejected before the address arrived, then linking it stops nothing', async () => {
    const email = `object-closed-${nextId()}@example.com`;
    const filed = await w.fileRequest('objection', email, { lang: 'en' });
    expect((await w.api('POST', `/api/privacy-requests/${filed.body.id}/reject`, { reason: 'could not verify the requester' })).status).toBe(200);

    await w.deliver(anOrder({ email }), 'order.created');

    expect((await customers(email))[0].status).toBe('active');
    expect((await stoppedEntries('address_linked')).map((e) => e.request_id)).not.toContain(filed.body.id);
  });

  test('when a person linked before this release still carries such an open objection, then the start-up check (prepareDatabase) stops them once', async () => {
    const email = `object-before-${nextId()}@example.com`;
    const filed = await w.fileRequest('objection', email, { lang: 'en' });
    await w.deliver(anOrder({ email }), 'order.created');
    const [person] = await customers(email);
    // As an older release left it: the address linked, the objection not adopted.
    await q(`UPDATE persons SET objection = 'none' WHERE id = $1`, [person.id]);
    expect((await customers(email))[0].status).toBe('active');

    expect(await startupCheck()).toBe(1);

    expect((await customers(email))[0].status).toBe('objected');
    expect((await stoppedEntries('address_linked')).filter((e) => e.request_id === filed.body.id)).toHaveLength(2); // the mirror's, then the start-up check's
    expect(await startupCheck()).toBe(0); // a second run changes nothing
    expect((await stoppedEntries('address_linked')).filter((e) => e.request_id === filed.body.id)).toHaveLength(2);
  });
});

describe('filing and the mirror take the same address lock', () => {
  test('when a mirror transaction holds the person and then waits for the address a filing holds, then Postgres breaks the deadlock and the filing runs again: 201, not 500', async () => {
    const email = `deadlock-${nextId()}@example.com`;
    await w.deliver(anOrder({ email }), 'order.created');
    const [person] = await customers(email);
    const mirror = await w.ctx.pool.connect();
    try {
      await mirror.query('BEGIN');
      await mirror.query('SELECT id FROM persons WHERE id = $1 FOR UPDATE', [person.id]); // an earlier delivery of its transaction
      const filing = w.fileRequest('access', email, { lang: 'en' });
      for (let i = 0; ; i++) { // the filing holds the address lock and waits for the person's row
        const [{ n }] = await q(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (n > 0) break;
        if (i > 200) throw new Error('the filing never waited for the person row');
        await new Promise((r) => setTimeout(r, 10));
      }
      // The mirror's next delivery is about the same address: a cycle, which Postgres breaks after deadlock_timeout
      // by aborting the transaction that waited first — the filing's.
      await mirror.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`email:${email}`]);
      await mirror.query('COMMIT');
      const res = await filing;
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ type: 'access', status: 'received' });
    } finally {
      mirror.release();
    }
  });
});
