import type { Job, Queue } from 'bullmq';
import { anOrder, nextId } from '../builders/woocommerce.js';
import { ADMIN_TOKEN } from '../setup/context.js';
import { type World, startWorld } from './world.js';

/**
 * P7 and P10 end to end: a completed order leads to one review invitation — name, email and the order reference,
 * nothing else — only with consent, after REVIEW_INVITE_DELAY_DAYS, and never for an order cancelled or refunded
 * before it went.
 */

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const CONSENT = [{ id: 9, key: '_review_consent', value: 'yes' }];
const DAY = 86_400_000;

/** A completed order (picked up: no PostNL shipment), lines balanced; `consent` ticks the checkout checkbox. */
function completedOrder(o: { consent?: boolean; status?: string } = {}) {
  const base = anOrder({ email: `review-${nextId()}@example.com`, total: '29.63', status: o.status ?? 'completed', date_completed_gmt: '2025-01-02T09:01:00' });
  return {
    ...base,
    meta_data: [...base.meta_data, ...(o.consent ? CONSENT : [])],
    shipping_lines: base.shipping_lines.map((l) => ({ ...l, method_id: 'local_pickup' })),
  };
}

const reviewSync = async (w: World, wcOrderId: number) => (await w.settled(wcOrderId)).filter((s) => s.processor === 'reviews');
const ownRequestsOf = (w: World, order: { number: string }) =>
  w.own.requests.filter((r) => r.path === '/invitations' && (r.body as { orderRef?: string } | undefined)?.orderRef === order.number);
const ownInvitationsOf = (w: World, order: { number: string }) => [...w.own.state.invitations.values()].filter((i) => i.orderRef === order.number);

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('P7 P10 review invitations at the own review site', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => w.close());

  test('when an order is completed with checkout consent, then one invitation goes with name and email only (plus the order reference)', async () => {
    const order = completedOrder({ consent: true });
    await w.deliver(order, 'order.created');
    const [sync] = await reviewSync(w, order.id);
    expect(sync).toMatchObject({ kind: 'invitation', status: 'done', lastError: null });
    const [req, ...more] = ownRequestsOf(w, order);
    expect(more).toEqual([]);
    expect(req!.body).toEqual({ name: 'Ann Lee', email: order.billing.email, orderRef: order.number });
    expect(ownInvitationsOf(w, order)).toEqual([expect.objectContaining({ id: sync!.externalId })]);
  });

  test('when an order is completed without consent, then the invitation is skipped with no_consent and the site hears nothing', async () => {
    const order = completedOrder();
    await w.deliver(order, 'order.created');
    const [sync] = await reviewSync(w, order.id);
    expect(sync).toMatchObject({ status: 'skipped', reason: 'no_consent', externalId: null });
    expect(ownRequestsOf(w, order)).toEqual([]);
    expect(w.own.requests.some((r) => JSON.stringify(r.body ?? '').includes(order.billing.email))).toBe(false);
  });

  test('when consent is recorded through POST /api/consents before completion, then the invitation goes', async () => {
    const order = completedOrder({ status: 'processing' });
    await w.deliver(order, 'order.created');
    expect(await reviewSync(w, order.id)).toEqual([]);

    const res = await w.ctx.app.inject({
      method: 'POST', url: '/api/consents', headers: auth,
      payload: { email: order.billing.email, purpose: 'review_invitation', granted: true },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ purpose: 'review_invitation', granted: true });

    await w.deliver({ ...order, status: 'completed', date_modified_gmt: '2025-01-05T10:00:00', date_completed_gmt: '2025-01-05T10:00:00' });
    const [sync] = await reviewSync(w, order.id);
    expect(sync).toMatchObject({ status: 'done' });
    expect(ownInvitationsOf(w, order)).toEqual([expect.objectContaining({ email: order.billing.email, name: 'Ann Lee' })]);
  });

  test('when the site first answers 429 and then accepts, then exactly one invitation exists', async () => {
    const order = completedOrder({ consent: true });
    w.own.failNext(1, { status: 429, retryAfter: 1 });
    await w.deliver(order, 'order.created');
    const [sync] = await reviewSync(w, order.id);
    expect(sync).toMatchObject({ status: 'done', lastError: null });
    expect(ownRequestsOf(w, order).map((r) => r.status)).toEqual([429, 201]);
    expect(ownInvitationsOf(w, order)).toHaveLength(1);
    expect(w.own.state.mailsSent).toBe(w.own.state.invitations.size);
  });
});

describe('P10 REVIEW_INVITE_DELAY_DAYS=1: the invitation waits, and an order cancelled or refunded meanwhile is never invited', () => {
  let w: World;
  let queue: Queue;
  beforeAll(async () => {
    w = await startWorld({ env: { REVIEW_INVITE_DELAY_DAYS: '1' } });
    queue = w.ctx.deps.queues.push.reviews;
  });
  afterAll(async () => w.close());

  /** The delayed BullMQ job of the order's invitation, once the relay has queued it. */
  async function delayedInvitation(wcOrderId: number): Promise<{ syncId: number; job: Job }> {
    const { rows } = await w.ctx.pool.query(
      `SELECT s.id FROM processor_syncs s JOIN orders o ON o.id = s.order_id WHERE o.wc_order_id = $1 AND s.processor = 'reviews'`, [wcOrderId]);
    const syncId = Number(rows[0]!.id);
    const job = await until(async () => (await queue.getJobs(['delayed'])).find((j) => j.data?.syncId === syncId));
    return { syncId, job };
  }

  test.each(['cancelled', 'refunded'])('when the completed order is %s before the delay ends, then the invitation is skipped and nothing is ever sent', async (status) => {
    const order = completedOrder({ consent: true });
    await w.deliver(order, 'order.created');
    await w.ctx.drained();
    const { syncId, job } = await delayedInvitation(order.id);
    expect(await job.getState()).toBe('delayed');
    expect(job.opts.delay).toBeGreaterThan(DAY - 60_000);
    expect(job.opts.delay).toBeLessThanOrEqual(DAY);
    expect((await w.sync(order.id)).find((s) => s.processor === 'reviews')).toMatchObject({ status: 'pending' });
    expect(ownRequestsOf(w, order)).toEqual([]);

    await w.deliver({ ...order, status, date_modified_gmt: '2025-01-06T10:00:00' });
    const [sync] = await reviewSync(w, order.id);
    expect(sync).toMatchObject({ status: 'skipped', externalId: null });
    expect(sync!.reason).toContain(status);

    // Even when the delayed job runs now, it finds the record skipped and sends nothing.
    await job.promote();
    const done = await until(async () => {
      const j = await queue.getJob(job.id!);
      // Read again once completed: j was fetched before its state, maybe before its return value was stored.
      return (await j?.getState()) === 'completed' ? queue.getJob(job.id!) : undefined;
    });
    expect(done!.returnvalue).toEqual({ syncId, status: 'skipped' });
    expect(ownRequestsOf(w, order)).toEqual([]);
    expect(ownInvitationsOf(w, order)).toEqual([]);
  });

  test('when an order is completed without consent, then the invitation shows skipped no_consent at once; consent given before it is due queues it again', async () => {
    const order = completedOrder();
    await w.deliver(order, 'order.created');
    await w.ctx.drained();
    expect((await w.sync(order.id)).find((s) => s.processor === 'reviews')).toMatchObject({ status: 'skipped', reason: 'no_consent' });

    const res = await w.ctx.app.inject({
      method: 'POST', url: '/api/consents', headers: auth, payload: { email: order.billing.email, purpose: 'review_invitation', granted: true },
    });
    expect(res.statusCode).toBe(201);
    const { job } = await delayedInvitation(order.id);
    expect(await job.getState()).toBe('delayed');
    expect((await w.sync(order.id)).find((s) => s.processor === 'reviews')).toMatchObject({ status: 'pending', reason: null });

    await job.promote();
    const [sync] = await reviewSync(w, order.id);
    expect(sync).toMatchObject({ status: 'done' });
    expect(ownInvitationsOf(w, order)).toHaveLength(1);
  });
});

describe('P7 review invitations through Kiyoh', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ reviews: 'kiyoh' });
  });
  afterAll(async () => w.close());

  const kiyohRequestsOf = (order: { number: string }) =>
    w.kiyoh.requests.filter((r) => (r.body as { ref_code?: string } | undefined)?.ref_code === order.number);

  test('when an order is completed with consent, then Kiyoh gets one invitation with name, email and the order reference', async () => {
    const order = completedOrder({ consent: true });
    await w.deliver(order, 'order.created');
    const [sync] = await reviewSync(w, order.id);
    expect(sync).toMatchObject({ status: 'done', lastError: null });
    expect(kiyohRequestsOf(order).map((r) => r.body)).toEqual([{
      location_id: w.kiyoh.locationId, invite_email: order.billing.email, delay: 0, language: 'nl',
      first_name: 'Ann', last_name: 'Lee', ref_code: order.number,
    }]);
    expect(w.own.requests).toEqual([]);
  });

  test('when Kiyoh already holds the invitation (INVITATION_ALREADY_PLACED), then the push counts as done', async () => {
    const order = completedOrder({ consent: true });
    w.kiyoh.state.invites.push({ location_id: w.kiyoh.locationId, invite_email: order.billing.email, delay: 0, language: 'nl', ref_code: order.number });
    await w.deliver(order, 'order.created');
    const [sync] = await reviewSync(w, order.id);
    expect(sync).toMatchObject({ status: 'done', lastError: null });
    expect(kiyohRequestsOf(order).map((r) => r.status)).toEqual([400]);
    expect(w.kiyoh.state.invites.filter((i) => i.ref_code === order.number)).toHaveLength(1);
  });

  test('when the invitation call times out after Kiyoh placed it, then the retry meets INVITATION_ALREADY_PLACED: done, one invitation', async () => {
    const order = completedOrder({ consent: true });
    w.kiyoh.timeoutAfterAccept(1);
    await w.deliver(order, 'order.created');
    const [sync] = await reviewSync(w, order.id);
    expect(sync).toMatchObject({ status: 'done', lastError: null });
    expect(kiyohRequestsOf(order).map((r) => r.status)).toEqual([null, 400]);
    expect(w.kiyoh.state.invites.filter((i) => i.ref_code === order.number)).toHaveLength(1);
  });
});
