import { createHash } from 'node:crypto';
import { createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder } from '../builders/woocommerce.js';
import { insertDeliveries } from '../../src/intake/inbox.repository.js';
import { createRelay } from '../../src/intake/relay.js';
import { pino } from 'pino';

/**
 * Intake writes its rows already claimed and hands their ids to the relay after the commit, so no relay pass has to
 * find and re-write each row. What that must not cost: a delivery whose hand-over never happened (the process died
 * between commit and hand-over) is still relayed, by the orphan sweep.
 */
let ctx: TestContext;
beforeEach(async () => {
  ctx = await createTestContext();
});
afterEach(async () => ctx.close());

type JobData = { inboxId?: number; inboxIds?: number[] };
async function queuedInboxIds(): Promise<number[]> {
  const jobs = await ctx.deps.queues.mirror.getJobs(['waiting', 'active', 'completed'], 0, -1);
  return jobs.flatMap((j) => (j.data as JobData).inboxIds ?? [(j.data as JobData).inboxId!]).sort((a, b) => a - b);
}
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('relay of deliveries claimed at intake', () => {
  test('when deliveries are accepted, then their rows are written relayed and every one is in the queue exactly once', async () => {
    ctx.deps.relay.start();
    const orders = Array.from({ length: 30 }, () => anOrder());
    const answers = await Promise.all(orders.map((o) => ctx.app.inject(aDelivery(o, { topic: 'order.created' }))));
    expect(answers.map((r) => r.json())).toEqual(orders.map(() => ({ status: 'accepted' })));

    // Claimed in the INSERT itself: no row ever waits in the unrelayed index for a claiming pass.
    const { rows } = await ctx.pool.query<{ id: number; enqueued_at: Date | null }>('SELECT id, enqueued_at FROM webhook_inbox ORDER BY id');
    expect(rows).toHaveLength(orders.length);
    expect(rows.filter((r) => r.enqueued_at === null)).toEqual([]);
    await waitFor('every accepted delivery in the queue', async () => (await queuedInboxIds()).length >= orders.length);
    expect(await queuedInboxIds()).toEqual(rows.map((r) => r.id));
    expect(ctx.deps.relay.held()).toBe(0);
  });

  test('when webhooks arrive without a pause, then a row written unclaimed meanwhile is still relayed within about a second', async () => {
    ctx.deps.relay.start();
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        expect((await ctx.app.inject(aDelivery(anOrder(), { topic: 'order.created' }))).statusCode).toBe(200);
        await new Promise((r) => setTimeout(r, 30)); // a commit every ~30 ms keeps the relay's loop from ever going idle
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 400)); // past the relay's first pass, which scans at start
      // A row the relay must find itself: written unclaimed, as a backfill or another process's give-back leaves it.
      const body = Buffer.from(JSON.stringify(anOrder()));
      const [id] = await insertDeliveries(ctx.pool, [{
        source: 'https://shop.example', topic: 'order.created', webhookId: null, body, bodySha256: createHash('sha256').update(body).digest(),
      }]);
      const written = Date.now();
      await waitFor('the unclaimed row in the queue', async () => (await queuedInboxIds()).includes(id!), 5000);
      expect(Date.now() - written).toBeLessThan(2500);
      expect(streaming).toBe(true);
    } finally {
      streaming = false;
      await stream;
    }
  });

  test('when a process died after committing claimed rows but before handing them over, then the orphan sweep relays them and they are mirrored', async () => {
    const orders = [anOrder(), anOrder()];
    const bodies = orders.map((o) => Buffer.from(JSON.stringify(o)));
    // What a process killed right after its commit leaves behind: rows claimed, no job, ids nowhere in memory.
    const ids = await insertDeliveries(ctx.pool, bodies.map((body, i) => ({
      source: 'https://shop.example', topic: 'order.created', webhookId: null, body,
      bodySha256: createHash('sha256').update(body).digest(), resourceId: orders[i]!.id,
    })), { claimed: true });
    expect(ids.every((id) => id !== null)).toBe(true);
    await ctx.pool.query("UPDATE webhook_inbox SET enqueued_at = now() - interval '16 minutes'");
    expect(await queuedInboxIds()).toEqual([]);

    await ctx.startWorkers(); // the relay's first pass includes the orphan sweep (rows relayed over 15 minutes ago)
    await ctx.drained();
    const { rows } = await ctx.pool.query('SELECT count(*)::int AS n FROM orders WHERE wc_order_id = ANY($1::bigint[])', [orders.map((o) => o.id)]);
    expect(rows[0].n).toBe(orders.length);
  });

  test('when deliveries are committed while the relay is not running, then they wait in the inbox, not in memory, and the next relay sends them', async () => {
    const orders = [anOrder(), anOrder(), anOrder()];
    for (const o of orders) expect((await ctx.app.inject(aDelivery(o, { topic: 'order.created' }))).json()).toEqual({ status: 'accepted' });
    await ctx.deps.relay.givenBack();
    expect(ctx.deps.relay.held()).toBe(0);
    const { rows } = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox WHERE enqueued_at IS NULL');
    expect(rows[0]!.n).toBe(orders.length); // unclaimed: any process's relay pass takes them

    await ctx.startWorkers();
    await ctx.drained();
    expect(await queuedInboxIds()).toHaveLength(orders.length);
  });

  test('when a process starts before its queue connection is ready, then rows relayed by the previous process are not sent again', async () => {
    ctx.deps.relay.start();
    const orders = [anOrder(), anOrder(), anOrder()];
    for (const o of orders) expect((await ctx.app.inject(aDelivery(o, { topic: 'order.created' }))).json()).toEqual({ status: 'accepted' });
    await waitFor('the first process to queue them', async () => (await queuedInboxIds()).length === orders.length);
    await ctx.deps.relay.stop();

    // The next process: its first pass finds the queue connection still connecting. That is no outage after which
    // Redis may have lost jobs, so nothing relayed before is re-sent (it would make a second job per delivery).
    let ready = false;
    const queues = { ...ctx.deps.queues, isReady: () => ready };
    const next = createRelay({ pool: ctx.pool, queues, log: pino({ level: 'silent' }), metrics: ctx.deps.metrics });
    next.start();
    await next.kick();
    ready = true;
    await next.kick();
    await next.stop();
    const ids = await queuedInboxIds();
    expect(ids).toHaveLength(orders.length);
    expect(new Set(ids).size).toBe(orders.length);
  });
});
