import type { ChildProcess } from 'node:child_process';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder } from '../builders/woocommerce.js';
import { describeWithRedisServer, freePort, redisServerAvailable, startRedis, stopRedis, waitFor } from '../builders/private-redis.js';

/**
 * The intake promise: a 200 means the delivery is committed to Postgres, so Redis going away never fails an
 * intake and never loses a delivery. This file runs its own redis-server (own port, no persistence: a restart
 * comes back empty), kills it in the middle of deliveries and starts it again on the same port.
 */

let port: number;
let redis: ChildProcess | null = null;
let ctx: TestContext;

beforeAll(async () => {
  if (!redisServerAvailable) return;
  port = await freePort();
  redis = await startRedis(port);
  ctx = await createTestContext({ redisUrl: `redis://127.0.0.1:${port}` });
  await ctx.startWorkers();
}, 30_000);

afterAll(async () => {
  if (!redisServerAvailable) return;
  // Redis must be up for the context to clean its queues; it is only down here if a test failed midway.
  if (!redis || redis.exitCode !== null || redis.signalCode !== null) redis = await startRedis(port).catch(() => null);
  await ctx?.close();
  await stopRedis(redis, 'SIGTERM');
}, 30_000);

type Order = ReturnType<typeof anOrder>;

/** Posts each order as a signed order.created webhook, `lanes` at a time; returns each response's status. */
async function deliverAll(orders: Order[], lanes = 5, beforeEach?: (i: number) => void): Promise<string[]> {
  const statuses: string[] = new Array(orders.length);
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < orders.length) {
      const i = next++;
      beforeEach?.(i);
      const res = await ctx.app.inject(aDelivery(orders[i], { topic: 'order.created' }));
      statuses[i] = `${res.statusCode} ${res.statusCode === 200 ? res.json().status : res.body}`;
    }
  }));
  return statuses;
}

const orders = (n: number, tag: string) => Array.from({ length: n }, (_, i) => anOrder({ email: `outage-${tag}-${i}@example.com` }));

async function inboxCounts() {
  const { rows } = await ctx.pool.query<{ relayed_unprocessed: number; unprocessed: number }>(`
    SELECT count(*) FILTER (WHERE enqueued_at IS NOT NULL AND processed_at IS NULL)::int AS relayed_unprocessed,
           count(*) FILTER (WHERE processed_at IS NULL)::int AS unprocessed
    FROM webhook_inbox`);
  return rows[0]!;
}

describeWithRedisServer('reliability: Redis outage', () => {
  test('nothing accepted is lost: when Redis dies during deliveries and comes back empty, every delivery is mirrored exactly once', async () => {
    // 1. Redis up: deliveries flow through to the mirror.
    const before = orders(10, 'before');
    expect(await deliverAll(before)).toEqual(before.map(() => '200 accepted'));
    await ctx.drained(10_000);

    // 2. A backlog that lives only in Redis: relayed (enqueued_at set) but not worked yet when Redis dies.
    await ctx.deps.queues.mirror.pause();
    const queuedOnly = orders(15, 'queued');
    expect(await deliverAll(queuedOnly)).toEqual(queuedOnly.map(() => '200 accepted'));
    await waitFor('the backlog to be relayed into Redis', async () => (await inboxCounts()).relayed_unprocessed === queuedOnly.length);

    // 3. Redis is killed in the middle of a stream of deliveries; every one is still accepted.
    const during = orders(40, 'during');
    let killed: Promise<void> | null = null;
    const duringStatuses = await deliverAll(during, 4, (i) => {
      if (i === 12) killed = stopRedis(redis);
    });
    await killed;
    expect(duringStatuses).toEqual(during.map(() => '200 accepted'));

    // 4. While Redis is down: intake still accepts, readiness says so, and the relay keeps the rows in the inbox.
    const whileDown = orders(10, 'down');
    expect(await deliverAll(whileDown)).toEqual(whileDown.map(() => '200 accepted'));
    const ready = await ctx.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks).toEqual({ postgres: 'ok', redis: 'down' });
    await ctx.deps.relay.kick();
    expect((await ctx.deps.metrics.relayErrors.get()).values[0]!.value).toBeGreaterThan(0);
    expect((await inboxCounts()).unprocessed).toBeGreaterThanOrEqual(queuedOnly.length + whileDown.length);

    // 5. Redis comes back on the same port, empty (no persistence). The same workers carry on by themselves.
    redis = await startRedis(port);
    await waitFor('the producer connection to be ready', () => ctx.deps.queues.isReady());
    await ctx.deps.relay.kick(); // skip the relay's outage back-off (up to 10 s)
    await ctx.drained(20_000);

    // 6. Every accepted delivery is mirrored exactly once.
    const all = [...before, ...queuedOnly, ...during, ...whileDown];
    const ids = all.map((o) => o.id);
    const { rows: inbox } = await ctx.pool.query<{ outcome: string | null; n: number }>(
      'SELECT outcome, count(*)::int AS n FROM webhook_inbox GROUP BY outcome');
    expect(inbox).toEqual([{ outcome: 'applied', n: all.length }]);
    const { rows: mirrored } = await ctx.pool.query<{ wc_order_id: string; n: number; lines: number }>(`
      SELECT o.wc_order_id, count(DISTINCT o.id)::int AS n, count(l.*) FILTER (WHERE l.kind = 'product')::int AS lines
      FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id
      WHERE o.wc_order_id = ANY($1::bigint[]) GROUP BY o.wc_order_id`, [ids]);
    expect(mirrored).toHaveLength(all.length);
    expect(mirrored.filter((r) => r.n !== 1 || r.lines !== 1)).toEqual([]);
    for (const o of all) {
      const res = await ctx.app.inject({ url: `/api/orders/${o.id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ wcOrderId: o.id, billing: { email: o.billing.email } });
    }
    expect(await ctx.deps.queues.mirror.getJobCounts('failed', 'active', 'waiting', 'delayed')).toEqual({ failed: 0, active: 0, waiting: 0, delayed: 0 });
    expect((await ctx.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  }, 30_000);
});
