import { createHash } from 'node:crypto';
import { createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder } from '../builders/woocommerce.js';
import { startWorkers } from '../../workers/start.js';
import { createWorkerConnection } from '../../src/platform/queues.js';

/**
 * Graceful shutdown (SIGTERM): the API stops accepting, in-flight requests finish and nothing it answered 200 is
 * lost; workers let active jobs finish (or hand them back) and whatever is left is processed once after a restart.
 */

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sha256hex = (payload: string) => createHash('sha256').update(payload).digest('hex');

async function inboxHashes(ctx: TestContext): Promise<Set<string>> {
  const { rows } = await ctx.pool.query<{ sha: string }>("SELECT encode(body_sha256, 'hex') AS sha FROM webhook_inbox");
  return new Set(rows.map((r) => r.sha));
}

describe('graceful shutdown: the API', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx.close());

  test('when the app closes with deliveries in flight, then every delivery answered 200 is in the inbox and later requests are refused', async () => {
    const deliveries = Array.from({ length: 30 }, () => aDelivery(anOrder(), { topic: 'order.created' }));
    const inFlight = deliveries.map((d) => ctx.app.inject(d));
    const closed = ctx.app.close();
    const results = await Promise.allSettled(inFlight);
    await closed;

    const accepted = new Set<string>();
    results.forEach((r, i) => {
      if (r.status === 'fulfilled' && r.value.statusCode === 200) {
        expect(r.value.json()).toEqual({ status: 'accepted' });
        accepted.add(sha256hex(deliveries[i]!.payload));
      } else if (r.status === 'fulfilled') {
        // Refused while closing: a retryable status, never a silent success.
        expect(r.value.statusCode).toBe(503);
      }
    });
    // Requests already in flight when close() was called are finished, not dropped.
    expect(accepted.size).toBeGreaterThan(0);

    const late = aDelivery(anOrder(), { topic: 'order.created' });
    await expect(ctx.app.inject(late)).rejects.toThrow();

    // No accepted delivery is lost, and nothing that was refused or came after close was stored.
    expect(await inboxHashes(ctx)).toEqual(accepted);
  });
});

describe('graceful shutdown: the workers', () => {
  let ctx: TestContext;
  let workers: Awaited<ReturnType<typeof startWorkers>> | null = null;
  beforeEach(async () => {
    // One job at a time, so a close finds some jobs active and others still waiting.
    ctx = await createTestContext({ mirrorConcurrency: 1 });
  });
  afterEach(async () => {
    await workers?.close(2000);
    workers = null;
    await ctx.close();
  });

  /** N signed order.created deliveries, accepted and relayed into the queue while no worker runs. */
  async function queued(n: number) {
    const orders = Array.from({ length: n }, () => anOrder());
    for (const res of await Promise.all(orders.map((o) => ctx.app.inject(aDelivery(o, { topic: 'order.created' }))))) {
      expect(res.json()).toEqual({ status: 'accepted' });
    }
    ctx.deps.relay.start();
    await waitFor('the relay to queue every delivery', async () => (await deliveriesIn(['waiting'])) === n);
    // Deliveries relayed together share a job (up to 50); every delivery is in exactly one waiting job.
    expect(await deliveriesIn(['waiting'])).toBe(n);
    return orders;
  }

  type JobData = { inboxId?: number; inboxIds?: number[] };
  const idsOf = (data: JobData) => data.inboxIds ?? [data.inboxId!];
  async function deliveriesIn(states: ('waiting' | 'completed' | 'active')[]): Promise<number> {
    const jobs = await ctx.deps.queues.mirror.getJobs(states, 0, -1);
    return jobs.reduce((sum, j) => sum + idsOf(j.data as JobData).length, 0);
  }

  /** Locks the first inbox rows, so the jobs that apply them (and the batch they share) stay in flight. */
  async function holdFirstRows(k: number) {
    const client = await ctx.pool.connect();
    await client.query('BEGIN');
    await client.query('SELECT id FROM webhook_inbox ORDER BY id LIMIT $1 FOR UPDATE', [k]);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await client.query('COMMIT').catch(() => undefined);
      client.release();
    };
  }

  async function startAndWaitForActiveJobs(): Promise<string[]> {
    workers = await startWorkers(ctx.deps, { schedules: false });
    await waitFor('jobs to be active', async () => (await ctx.deps.queues.mirror.getActiveCount()) > 0);
    await new Promise((r) => setTimeout(r, 100)); // let the worker fill its concurrency
    return (await ctx.deps.queues.mirror.getActive()).map((j) => j.id!);
  }

  async function unprocessed(): Promise<number> {
    const { rows } = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox WHERE processed_at IS NULL');
    return rows[0]!.n;
  }

  async function expectMirroredOnce(orders: ReturnType<typeof anOrder>[]) {
    const { rows: inbox } = await ctx.pool.query('SELECT outcome, count(*)::int AS n FROM webhook_inbox GROUP BY outcome');
    expect(inbox).toEqual([{ outcome: 'applied', n: orders.length }]);
    const { rows } = await ctx.pool.query<{ orders: number; distinct_ids: number; product_lines: number }>(`
      SELECT count(DISTINCT o.id)::int AS orders, count(DISTINCT o.wc_order_id)::int AS distinct_ids,
             count(l.*) FILTER (WHERE l.kind = 'product')::int AS product_lines
      FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id WHERE o.wc_order_id = ANY($1::bigint[])`,
    [orders.map((o) => o.id)]);
    expect(rows[0]).toEqual({ orders: orders.length, distinct_ids: orders.length, product_lines: orders.length });
  }

  test('when workers close while jobs are active, then those jobs finish, the rest stay queued and after a restart everything is processed exactly once', async () => {
    const N = 120;
    const orders = await queued(N);
    const release = await holdFirstRows(3);
    let active: string[];
    try {
      active = await startAndWaitForActiveJobs();
      let closed = false;
      const closing = workers!.close(10_000).then(() => { closed = true; });
      await new Promise((r) => setTimeout(r, 300));
      expect(closed).toBe(false); // close waits for the active jobs
      await release();
      await closing;
      workers = null;
    } finally {
      await release();
    }

    // The jobs that were active finished (completed, not abandoned); the workers took nothing new after close.
    const states = await Promise.all(active.map((id) => ctx.deps.queues.mirror.getJobState(id)));
    expect(states.every((s) => s === 'completed')).toBe(true);
    const left = await unprocessed();
    expect(left).toBeGreaterThan(0);
    expect(await ctx.deps.queues.mirror.getActiveCount()).toBe(0);
    expect(await deliveriesIn(['waiting'])).toBe(left);
    expect(await deliveriesIn(['completed'])).toBe(N - left);

    // A new worker process picks up the rest.
    workers = await startWorkers(ctx.deps, { schedules: false });
    await ctx.drained(15_000);
    await expectMirroredOnce(orders);
    // Each job ran exactly once: its N deliveries completed, and the mirror handled N deliveries in all.
    expect(await ctx.deps.queues.mirror.getJobCounts('failed', 'active', 'waiting', 'delayed'))
      .toEqual({ failed: 0, active: 0, waiting: 0, delayed: 0 });
    expect(await deliveriesIn(['completed'])).toBe(N);
    const handled = (await ctx.deps.metrics.mirrorOutcomes.get()).values;
    expect(handled).toEqual([expect.objectContaining({ labels: { topic: 'order.created', outcome: 'applied' }, value: N })]);
  });

  test('when active jobs outlast the shutdown timeout, then close returns on time, hands them back, and everything is still processed exactly once', async () => {
    const N = 60;
    const orders = await queued(N);
    const jobsTotal = await ctx.deps.queues.mirror.getWaitingCount();
    const release = await holdFirstRows(3);
    let handedBack: string[];
    try {
      handedBack = await startAndWaitForActiveJobs();
      // Bounded by the timeout, not by the stuck jobs.
      const closing = workers!.close(500).then(() => 'closed');
      const stillWaiting = new Promise((r) => setTimeout(() => r('still waiting for the stuck jobs'), 3000).unref());
      expect(await Promise.race([closing, stillWaiting])).toBe('closed');
      workers = null;

      // Handed back: neither completed nor failed; their lock is no longer renewed, so it lapses (within
      // lockDuration) and BullMQ's stalled check puts them back in the queue for the next worker.
      const states = await Promise.all(handedBack.map((id) => ctx.deps.queues.mirror.getJobState(id)));
      expect(new Set(states)).toEqual(new Set(['active']));
      if (ctx.config.redisUrl) {
        // On Redis the lock is a key with a TTL (the Postgres backend keeps it in a row until the stalled check).
        const redis = createWorkerConnection(ctx.config.redisUrl);
        const lockTtl = await redis.pttl(`${ctx.config.queuePrefix}:mirror:${handedBack[0]}:lock`).finally(() => redis.disconnect());
        expect(lockTtl).toBeGreaterThan(0);
        expect(lockTtl).toBeLessThanOrEqual(30_000);
      }
    } finally {
      await release();
    }

    // A new worker takes the jobs that were never started; what the stuck batch did is committed at most once.
    workers = await startWorkers(ctx.deps, { schedules: false });
    await ctx.drained(15_000);
    await expectMirroredOnce(orders);
    const counts = await ctx.deps.queues.mirror.getJobCounts('completed', 'failed', 'waiting');
    if (ctx.config.redisUrl) {
      // Redis: the cut connection left the stuck jobs' locks to lapse; they are not completed by the old worker.
      expect(counts).toEqual({ completed: jobsTotal - handedBack.length, failed: 0, waiting: 0 });
    } else {
      // Postgres backend: the pool stays open until deps close, so a released stuck job may still complete itself.
      expect(counts).toMatchObject({ failed: 0, waiting: 0 });
      expect(counts.completed).toBeGreaterThanOrEqual(jobsTotal - handedBack.length);
      expect(counts.completed).toBeLessThanOrEqual(jobsTotal);
    }

    // When a handed-back job runs again, it finds its recorded outcome and changes nothing.
    const stuck = await Promise.all(handedBack.map((id) => ctx.deps.queues.mirror.getJob(id)));
    const ids = stuck.flatMap((j) => idsOf(j!.data as JobData));
    const before = await ctx.pool.query('SELECT id, processed_at FROM webhook_inbox WHERE id = ANY($1::bigint[]) ORDER BY id', [ids]);
    const rerun = await ctx.deps.mirror.applyDeliveries(ids);
    expect([...rerun.values()].every((r) => r.ok && r.outcome === 'applied')).toBe(true);
    const after = await ctx.pool.query('SELECT id, processed_at FROM webhook_inbox WHERE id = ANY($1::bigint[]) ORDER BY id', [ids]);
    expect(after.rows).toEqual(before.rows);
    await expectMirroredOnce(orders);
  });
});
