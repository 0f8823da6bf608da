import { anOrder, nextId } from '../builders/woocommerce.js';
import { type World, startWorld } from './world.js';

/**
 * A queue may lose jobs it had accepted (Redis back without its data). The push relay remembers each record's job and
 * hands a record whose job is gone back to the relay, so the push still happens, once (found by the fault suite).
 */
let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => w.close());

const enqueued = async (wcOrderId: number) => (await w.ctx.pool.query(
  `SELECT s.id, s.processor, s.status, s.job_id FROM processor_syncs s JOIN orders o ON o.id = s.order_id
   WHERE o.wc_order_id = $1 AND s.processor = 'snelstart' AND s.enqueued_at IS NOT NULL`, [wcOrderId])).rows;

test('when the queue loses a push job, then the record is queued again and the booking is made exactly once', async () => {
  const queue = w.ctx.deps.queues.push.snelstart;
  const relay = w.ctx.deps.processors.relay;
  await queue.pause(); // jobs wait in the queue, as they would behind a rate limit
  const order = anOrder({ email: `lost-${nextId()}@example.com`, status: 'processing', total: '29.63' });
  await w.deliver(order, 'order.created');
  await w.ctx.drained();
  await relay.idle();
  const [rec] = await enqueued(order.id);
  expect(rec).toMatchObject({ status: 'pending' });
  expect(rec.job_id).toMatch(/^push-/);
  expect(await queue.getJob(rec.job_id)).toBeTruthy();

  expect(await relay.requeueLost(0)).toBe(0); // the job is still there: nothing to do

  await queue.obliterate({ force: true }); // the queue loses everything it held
  expect(await queue.getJob(rec.job_id)).toBeUndefined();
  await queue.resume();
  expect(await relay.requeueLost(0)).toBe(1);
  await relay.pass();

  const [sync] = (await w.settled(order.id)).filter((s) => s.processor === 'snelstart');
  expect(sync).toMatchObject({ status: 'done' });
  expect(w.snelstart.state.bookings.filter((b) => b.factuurnummer === `WC-${order.number}`)).toHaveLength(1);
});

test('when more pushes wait than one check reads (delayed invitations), then a newer record whose job was lost is still found within a few checks', async () => {
  const queue = w.ctx.deps.queues.push.snelstart;
  const relay = w.ctx.deps.processors.relay;
  await queue.pause();
  try {
    const order = anOrder({ email: `lost-many-${nextId()}@example.com`, status: 'on-hold' }); // on hold: no push planned
    await w.deliver(order, 'order.created');
    await w.ctx.drained();
    const { rows: [o] } = await w.ctx.pool.query('SELECT id FROM orders WHERE wc_order_id = $1', [order.id]);
    // 2,500 records waiting with their jobs in the queue (oldest first), then one whose job the queue lost.
    const waiting = 2500;
    const { rows: recs } = await w.ctx.pool.query<{ id: string }>(
      `INSERT INTO processor_syncs (order_id, processor, kind, ref, run_at, status, enqueued_at, job_id)
       SELECT $1, 'snelstart', 'credit', 'lost-test-' || g, now() + interval '7 days', 'pending', now() - interval '1 hour' + g * interval '1 ms', 'lost-test-job-' || g
       FROM generate_series(1, $2) g RETURNING id`, [o.id, waiting + 1]);
    await queue.addBulk(Array.from({ length: waiting }, (_, i) => ({ name: 'push', data: { syncId: Number(recs[i]!.id) }, opts: { jobId: `lost-test-job-${i + 1}`, delay: 7 * 86_400_000 } })));

    let found = 0;
    for (let check = 0; check < 3 && !found; check++) found = await relay.requeueLost(0);
    expect(found).toBe(1);
    const { rows: [newest] } = await w.ctx.pool.query('SELECT enqueued_at, job_id FROM processor_syncs WHERE id = $1', [recs[waiting]!.id]);
    expect(newest).toEqual({ enqueued_at: null, job_id: null }); // handed back to the relay
  } finally {
    await w.ctx.pool.query(`DELETE FROM processor_syncs WHERE ref LIKE 'lost-test-%'`);
    await queue.obliterate({ force: true });
    await queue.resume();
  }
});
