import type { Job, Queue } from 'bullmq';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import type { World } from '../processors/world.js';
import { type DsrWorld, startDsrWorld } from './world.js';

/**
 * P21 objection, end to end through the HTTP API with real Postgres, Redis and SMTP: the review invitation of a
 * completed order waits as a delayed job (REVIEW_INVITE_DELAY_DAYS=1) and is promoted — made due at once — after
 * the objection was filed, so it runs exactly when it would have been about to.
 */

const CONSENT = [{ id: 9, key: '_review_consent', value: 'yes' }];
let w: DsrWorld;
let p: World;
let queue: Queue;
beforeAll(async () => {
  w = await startDsrWorld({ processors: true, env: { REVIEW_INVITE_DELAY_DAYS: '1' } });
  p = w.processors!;
  queue = w.ctx.deps.queues.push.reviews;
});
afterAll(async () => w?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A completed, paid order with review consent, picked up (no PostNL): a Snelstart booking and a review invitation. */
function completedOrder(email: string, o: Record<string, unknown> = {}) {
  const base = anOrder({ email, total: '29.63', status: 'completed', date_completed_gmt: '2025-01-02T09:01:00', ...o });
  return { ...base, meta_data: [...base.meta_data, ...CONSENT], shipping_lines: base.shipping_lines.map((l) => ({ ...l, method_id: 'local_pickup' })) };
}
const rows = async (wcOrderId: number) => (await p.sync(wcOrderId)).map((s) => [s.processor, s.status, s.reason]);
const invitationSync = async (wcOrderId: number) => Number((await w.ctx.pool.query(
  `SELECT s.id FROM processor_syncs s JOIN orders o ON o.id = s.order_id WHERE o.wc_order_id = $1 AND s.processor = 'reviews'`, [wcOrderId])).rows[0]!.id);
const delayedJobs = async (syncId: number) => (await queue.getJobs(['delayed'])).filter((j) => j.data?.syncId === syncId);
/** Makes the invitation's delayed job(s) due now and waits until each ran; their return values. */
async function promote(jobs: Job[]) {
  for (const j of jobs) await j.promote();
  return Promise.all(jobs.map((j) => until(async () => {
    const got = await queue.getJob(j.id!);
    return (await got?.getState()) === 'completed' && got!.returnvalue;
  }, `job ${j.id} to run`)));
}
const invitedAtReviewSite = (email: string) => p.own.requests.filter((r) => r.path === '/invitations' && (r.body as { email?: string })?.email === email);
const customer = async (email: string) => (await w.api('GET', `/api/customers?email=${encodeURIComponent(email)}`)).body.customers[0];

/** The order is mirrored, booked, and its invitation waits in the queue as a delayed job. */
async function invitationAboutToRun(email: string) {
  const order = completedOrder(email);
  await w.deliver(order, 'order.created');
  await until(async () => (await rows(order.id)).some((r) => r[0] === 'snelstart' && r[1] === 'done'), 'the booking');
  const syncId = await invitationSync(order.id);
  const jobs = await until(async () => { const j = await delayedJobs(syncId); return j.length > 0 && j; }, 'the delayed invitation job');
  expect(await rows(order.id)).toEqual([['snelstart', 'done', null], ['reviews', 'pending', null]]);
  return { order, syncId, jobs };
}

async function fileObjection(email: string) {
  const res = await w.fileRequest('objection', email, { lang: 'en', note: 'Client mailed: stop sending me anything you do not have to.' });
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string };
}

describe('P21 objection: the gate closes inside the POST, the waiting invitation never goes, mirroring continues', () => {
  test('when an objection is filed while the invitation is about to run, then it is held before the 201 and never reaches the review site; upheld, it is dropped for good and the booking the law requires still runs', async () => {
    const email = `object-${nextId()}@example.com`;
    const { order, syncId, jobs } = await invitationAboutToRun(email);

    const filed = await fileObjection(email);
    expect(filed.status).toBe('received'); // the receipt; the code to the known address goes in the same transaction
    // Right after the 201: the objection and the hold are committed, while the invitation's job has not run yet.
    expect((await w.ctx.pool.query('SELECT objection FROM persons WHERE id = (SELECT person_id FROM orders WHERE wc_order_id = $1)', [order.id])).rows[0].objection).toBe('pending');
    expect(await rows(order.id)).toEqual([['snelstart', 'done', null], ['reviews', 'held', 'objection_pending']]);
    expect(await jobs[0]!.getState()).toBe('delayed');
    expect(await customer(email)).toMatchObject({ status: 'objected', objection: 'pending' });

    // The delayed job runs now: it finds its record held and sends nothing.
    expect(await promote(jobs)).toEqual(jobs.map(() => ({ syncId, status: 'held' })));
    expect(invitedAtReviewSite(email)).toEqual([]);

    // Mirroring continues (storage only): a changed order is applied; a new paid order is stored, its booking held.
    await w.deliver({ ...order, date_modified_gmt: '2025-01-04T10:00:00', billing: { ...order.billing, phone: '+31 6 87654321' } }, 'order.updated');
    expect((await w.api('GET', `/api/orders/${order.id}`)).body.billing.phone).toBe('+31 6 87654321');
    const next = completedOrder(email, { status: 'processing', date_completed_gmt: null, modified: '2025-01-05T10:00:00', created: '2025-01-05T09:00:00' });
    const bookingsBefore = p.snelstart.state.bookings.length;
    await w.deliver(next, 'order.created');
    // Planned as usual; the gate holds it when its job runs (no push for the person starts).
    expect(await until(async () => { const r = await rows(next.id); return r.length > 0 && r[0]![1] !== 'pending' && r; }, 'the new booking')).toEqual([['snelstart', 'held', 'objection_pending']]);
    expect(p.snelstart.state.bookings.length).toBe(bookingsBefore);

    // Verified with the one-time code from the mail to the known address, then decided.
    const [verification] = await w.waitForMails(email, 1, (m) => /confirm/i.test(m.subject));
    const { code, token } = w.codeAndToken(verification!.text);
    expect((await w.verifyByCode(token, code)).status).toBe(200);
    const decided = await w.api('POST', `/api/privacy-requests/${filed.id}/objection-decision`, { upheld: true, reason: 'Review invitations rest on consent; no overriding ground.' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'completed', objectionDecision: 'upheld', outcome: { decision: 'upheld', legalBasisKept: ['legal_obligation', 'contract'] } });

    expect(await rows(order.id)).toEqual([['snelstart', 'done', null], ['reviews', 'skipped', 'objection_upheld']]);
    // The booking the law requires (Art. 52 AWR) goes once released, exactly once.
    await until(async () => (await rows(next.id))[0]![1] === 'done', 'the released booking');
    expect(p.snelstart.state.bookings.filter((b) => b.factuurnummer === `WC-${next.number}`)).toHaveLength(1);
    expect(await customer(email)).toMatchObject({ status: 'objected', objection: 'upheld' });

    // For good: a later delivery of the order plans nothing new, and no invitation ever goes.
    await w.deliver({ ...order, date_modified_gmt: '2025-01-06T10:00:00' }, 'order.updated');
    await w.ctx.deps.processors.relay.idle();
    expect(await rows(order.id)).toEqual([['snelstart', 'done', null], ['reviews', 'skipped', 'objection_upheld']]);
    expect(await delayedJobs(syncId)).toEqual([]);
    expect(invitedAtReviewSite(email)).toEqual([]);

    const [mail] = await w.waitForMails(email, 1, (m) => m.subject === 'Your objection has been upheld');
    expect(mail!.envelopeTo).toEqual([email]);
    expect(mail!.text).toContain('Review invitations rest on consent');
  });

  test('when an objection of another person is rejected, then the held invitation is released and goes once', async () => {
    const email = `object-r-${nextId()}@example.com`;
    const { order, syncId } = await invitationAboutToRun(email);
    const filed = await fileObjection(email);
    expect(await rows(order.id)).toEqual([['snelstart', 'done', null], ['reviews', 'held', 'objection_pending']]);

    expect((await w.api('POST', `/api/privacy-requests/${filed.id}/verify`, { note: 'Called the client back on the known number.' })).status).toBe(200);
    const decided = await w.api('POST', `/api/privacy-requests/${filed.id}/objection-decision`, { upheld: false, reason: 'The invitation was asked for at checkout.' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'completed', objectionDecision: 'rejected', outcome: { decision: 'rejected' } });
    expect(await customer(email)).toMatchObject({ status: 'active', objection: 'rejected' });

    // Released: back in the outbox with its original time; the relay queues it again, and it runs when due.
    await until(async () => { const r = await rows(order.id); return r[1]![1] === 'pending' && r; }, 'the release');
    const jobs = await until(async () => { const j = await delayedJobs(syncId); return j.length > 0 && j; }, 'the re-queued invitation');
    await promote(jobs);
    expect(await rows(order.id)).toEqual([['snelstart', 'done', null], ['reviews', 'done', null]]);
    expect(invitedAtReviewSite(email)).toHaveLength(1);

    const [mail] = await w.waitForMails(email, 1, (m) => m.subject === 'Your objection has been rejected');
    expect(mail!.text).toContain('The invitation was asked for at checkout.');
  });

  test('when an objection request is rejected without a decision (never verified), then the person\'s processing resumes and the held invitation goes once', async () => {
    const email = `object-rej-${nextId()}@example.com`;
    const { order, syncId } = await invitationAboutToRun(email);
    const filed = await fileObjection(email);
    expect(await rows(order.id)).toEqual([['snelstart', 'done', null], ['reviews', 'held', 'objection_pending']]);
    expect(await customer(email)).toMatchObject({ status: 'objected', objection: 'pending' });

    const rejected = await w.api('POST', `/api/privacy-requests/${filed.id}/reject`, { reason: 'The requester did not confirm the request.' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected' });
    expect(await customer(email)).toMatchObject({ status: 'active', objection: 'none' });
    const { rows: trail } = await w.ctx.pool.query(`SELECT detail FROM audit_log WHERE action = 'processing.resumed' AND request_id = $1`, [filed.id]);
    expect(trail).toEqual([{ detail: { reason: 'objection_request_rejected' } }]);

    // Released: back in the outbox; the relay queues it again, and it runs when due.
    await until(async () => { const r = await rows(order.id); return r[1]![1] === 'pending' && r; }, 'the release');
    const jobs = await until(async () => { const j = await delayedJobs(syncId); return j.length > 0 && j; }, 'the re-queued invitation');
    await promote(jobs);
    expect(await rows(order.id)).toEqual([['snelstart', 'done', null], ['reviews', 'done', null]]);
    expect(invitedAtReviewSite(email)).toHaveLength(1);
  });

  test('when one of two open objections of a person is rejected as a request, then the person stays stopped until the other is settled too', async () => {
    const email = `object-two-${nextId()}@example.com`;
    const other = `object-two-b-${nextId()}@example.com`;
    const account = aCustomer({ email });
    await w.deliver(account, 'customer.created');
    // The account's order with another billing email: both addresses are the same person's.
    await w.deliver(anOrder({ email: other, customer_id: account.id, status: 'on-hold' }), 'order.created');
    expect((await customer(email)).emails).toEqual(expect.arrayContaining([email, other]));
    const first = await fileObjection(email);
    const second = await fileObjection(other);
    expect((await customer(email)).objection).toBe('pending');

    expect((await w.api('POST', `/api/privacy-requests/${first.id}/reject`, { reason: 'Not confirmed.' })).status).toBe(200);
    expect(await customer(email)).toMatchObject({ status: 'objected', objection: 'pending' });
    expect((await w.api('POST', `/api/privacy-requests/${second.id}/reject`, { reason: 'Not confirmed either.' })).status).toBe(200);
    expect(await customer(email)).toMatchObject({ status: 'active', objection: 'none' });
  });

  test('when an objection is upheld, then the decision mail carries the export of the data (issue 6: "Upheld: ... the export is sent")', async () => {
    const email = `object-x-${nextId()}@example.com`;
    await w.deliver(anOrder({ email, status: 'on-hold' }), 'order.created');
    const filed = await fileObjection(email);
    await w.api('POST', `/api/privacy-requests/${filed.id}/verify`, { note: 'Called the client back on the known number.' });
    expect((await w.api('POST', `/api/privacy-requests/${filed.id}/objection-decision`, { upheld: true, reason: 'No overriding ground.' })).status).toBe(200);
    const [mail] = await w.waitForMails(email, 1, (m) => m.subject === 'Your objection has been upheld');
    expect(mail!.attachments.map((a) => a.contentType)).toEqual(['application/json']);
    expect(JSON.parse(mail!.attachments[0]!.content.toString('utf8'))).toMatchObject({ contact: { emails: [expect.objectContaining({ email })] } });
  });
});

describe('P21 an objection filed before we held any data for the address', () => {
  test('when that person then orders, then their pushes wait for the decision like anyone else\'s, and the decision releases them', async () => {
    const email = `object-first-${nextId()}@example.com`;
    const filed = await fileObjection(email);
    expect(filed.status).toBe('received'); // nobody to stop yet: the address is unknown
    const order = completedOrder(email);
    await w.deliver(order, 'order.created');
    await until(async () => (await rows(order.id)).some((r) => r[0] === 'snelstart' && r[1] === 'held'), 'the booking to be held');
    expect(await rows(order.id)).toContainEqual(['snelstart', 'held', 'objection_pending']);
    expect((await customer(email)).objection).toBe('pending');

    const verified = await w.api('POST', `/api/privacy-requests/${filed.id}/verify`, { note: 'called back on the shop account number' });
    expect(verified.status).toBe(200);
    const decided = await w.api('POST', `/api/privacy-requests/${filed.id}/objection-decision`, { upheld: false, reason: 'no legitimate-interest processing here' });
    expect(decided.status).toBe(200);
    await until(async () => (await rows(order.id)).some((r) => r[0] === 'snelstart' && r[1] === 'done'), 'the booking to go after the decision');
  });
});
