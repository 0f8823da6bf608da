import type { Job } from 'bullmq';
import { anOrder, nextId } from '../builders/woocommerce.js';
import type { World } from '../processors/world.js';
import { type DsrWorld, startDsrWorld } from './world.js';

/**
 * P19 restriction, end to end through the HTTP API with real Postgres, Redis and SMTP: once the verified request is
 * completed, the person's data stays but every push holds — no request reaches any processor — until /lift, which
 * releases the held work and tells the client.
 */

let w: DsrWorld;
let p: World;
beforeAll(async () => {
  // The review invitation waits a day (a delayed job), so a restriction can catch it still queued.
  w = await startDsrWorld({ processors: true, env: { REVIEW_INVITE_DELAY_DAYS: '1' } });
  p = w.processors!;
});
afterAll(async () => w?.close());

const CONSENT = [{ id: 9, key: '_review_consent', value: 'yes' }];
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
const delayed = async (syncId: number) => (await p.ctx.deps.queues.push.reviews.getJobs(['delayed'])).filter((j) => j.data?.syncId === syncId);
/** Makes delayed push jobs due now and waits until each ran; their return values. */
const promote = async (jobs: Job[]) => {
  for (const j of jobs) await j.promote();
  const q = p.ctx.deps.queues.push.reviews;
  return Promise.all(jobs.map((j) => until(async () => { const g = await q.getJob(j.id!); return (await g?.getState()) === 'completed' && g!.returnvalue; }, `job ${j.id}`)));
};
const invited = (email: string) => p.own.requests.filter((r) => r.path === '/invitations' && (r.body as { email?: string })?.email === email);
const requestsToFakes = () => p.snelstart.requests.length + p.postnl.requests.length + p.own.requests.length + p.kiyoh.requests.length;
const rows = async (wcOrderId: number) => (await p.sync(wcOrderId)).map((s) => [s.processor, s.kind, s.status, s.reason]);
const customer = async (email: string) => (await w.api('GET', `/api/customers?email=${encodeURIComponent(email)}`)).body.customers[0];

describe('P19 restriction: every push holds until the restriction is lifted', () => {
  test('when a verified restriction is completed, then a new paid order is held with no request to any processor; lifted, the held pushes run and the client is told', async () => {
    const email = `restrict-${nextId()}@example.com`;
    // Known to the mirror through an unpaid order (no pushes yet).
    const order = anOrder({ email, status: 'on-hold', total: '29.63' });
    await w.deliver(order, 'order.created');
    expect(await p.sync(order.id)).toEqual([]);

    const filed = await w.fileRequest('restriction', email, { lang: 'en' });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ type: 'restriction', status: 'received' }); // the receipt
    expect((await w.api('GET', `/api/privacy-requests/${filed.body.id}`)).body).toMatchObject({ status: 'awaiting_verification' });
    const [verification] = await w.waitForMails(email, 1, (m) => /confirm/i.test(m.subject));
    const { code, token } = w.codeAndToken(verification!.text);
    expect((await w.verifyByCode(token, code)).status).toBe(200);
    expect((await w.api('GET', `/api/privacy-requests/${filed.body.id}`)).body).toMatchObject({ status: 'in_progress', verification: 'code' });

    const done = await w.complete(filed.body.id);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', outcome: { restricted: true } });
    expect(await customer(email)).toMatchObject({ status: 'restricted', restricted: true });
    const [confirmed] = await w.waitForMails(email, 1, (m) => m.subject === 'The processing of your data has been restricted');
    expect(confirmed!.envelopeTo).toEqual([email]);

    // The order is paid now: stored in the mirror, but its pushes hold — nothing reaches Snelstart or PostNL.
    const before = requestsToFakes();
    await w.deliver({ ...order, status: 'processing', date_modified_gmt: '2025-01-02T10:00:00' }, 'order.updated');
    await p.settled(order.id);
    expect(await rows(order.id)).toEqual([
      ['snelstart', 'booking', 'held', 'restricted'], ['postnl', 'shipment', 'held', 'restricted'],
    ]);
    await sleep(1_500); // longer than a first retry's backoff: a held push is not retried either
    expect(await rows(order.id)).toEqual([['snelstart', 'booking', 'held', 'restricted'], ['postnl', 'shipment', 'held', 'restricted']]);
    expect(requestsToFakes()).toBe(before);
    expect((await w.api('GET', `/api/orders/${order.id}`)).body.status).toBe('processing');

    const lifted = await w.api('POST', `/api/privacy-requests/${filed.body.id}/lift`);
    expect(lifted.status).toBe(200);
    expect(lifted.body.outcome).toMatchObject({ restricted: false, lifted: true });
    expect(await customer(email)).toMatchObject({ status: 'active', restricted: false });

    // The held pushes run now and reach the processors.
    await p.settled(order.id);
    expect(await rows(order.id)).toEqual([
      ['snelstart', 'booking', 'done', null], ['postnl', 'shipment', 'done', null],
    ]);
    expect(p.snelstart.state.bookings.filter((b) => b.factuurnummer === `WC-${order.number}`)).toHaveLength(1);
    expect(p.postnl.requests.some((r) => r.path === '/shipment/v2_2/label')).toBe(true);
    expect(requestsToFakes()).toBeGreaterThan(before);

    const [liftMail] = await w.waitForMails(email, 1, (m) => m.subject === 'The restriction of processing has been lifted');
    expect(liftMail!.envelopeTo).toEqual([email]);

    const again = await w.api('POST', `/api/privacy-requests/${filed.body.id}/lift`);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('already_lifted');
  });

  test('when a restriction is completed while an invitation waits in the queue, then it holds past its time; lifted, it goes once; only a restriction can be lifted', async () => {
    const email = `restrict-w-${nextId()}@example.com`;
    const base = anOrder({ email, status: 'completed', total: '29.63', date_completed_gmt: '2025-01-02T09:01:00' });
    const order = { ...base, meta_data: [...base.meta_data, ...CONSENT], shipping_lines: base.shipping_lines.map((l) => ({ ...l, method_id: 'local_pickup' })) };
    await w.deliver(order, 'order.created');
    await until(async () => (await rows(order.id)).some((r) => r[0] === 'snelstart' && r[2] === 'done'), 'the booking');
    const syncId = Number((await w.ctx.pool.query(
      `SELECT s.id FROM processor_syncs s JOIN orders o ON o.id = s.order_id WHERE o.wc_order_id = $1 AND s.processor = 'reviews'`, [order.id])).rows[0]!.id);
    const first = await until(async () => { const j = await delayed(syncId); return j.length > 0 && j; }, 'the delayed invitation');

    const filed = await w.fileRequest('restriction', email, { lang: 'en' });
    expect((await w.api('POST', `/api/privacy-requests/${filed.body.id}/verify`, { note: 'Verified by phone on the known number.' })).status).toBe(200);
    expect((await w.complete(filed.body.id)).status).toBe(200);
    expect(await rows(order.id)).toEqual([['snelstart', 'booking', 'done', null], ['reviews', 'invitation', 'held', 'restricted']]);
    expect(await promote(first)).toEqual(first.map(() => ({ syncId, status: 'held' })));
    expect(invited(email)).toEqual([]);

    const access = await w.fileRequest('access', email, { lang: 'en' });
    const refused = await w.api('POST', `/api/privacy-requests/${access.body.id}/lift`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('not_a_restriction');

    expect((await w.api('POST', `/api/privacy-requests/${filed.body.id}/lift`)).status).toBe(200);
    const again = await until(async () => { const j = await delayed(syncId); return j.length > 0 && j; }, 'the re-queued invitation');
    await promote(again);
    expect(await rows(order.id)).toEqual([['snelstart', 'booking', 'done', null], ['reviews', 'invitation', 'done', null]]);
    expect(invited(email)).toHaveLength(1);
  });
});
