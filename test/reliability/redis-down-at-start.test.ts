import type { ChildProcess } from 'node:child_process';
import { createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder } from '../builders/woocommerce.js';
import { describeWithRedisServer, freePort, redisServerAvailable, startRedis, stopRedis, waitFor } from '../builders/private-redis.js';

/**
 * Redis that is down when the service starts must not block it: intake still commits to Postgres and answers
 * 200, the relay fails fast instead of hanging, and once Redis appears everything is mirrored exactly once.
 */
let port: number;
let redis: ChildProcess | null = null;
let ctx: TestContext;

beforeAll(async () => {
  if (!redisServerAvailable) return;
  port = await freePort();
  ctx = await createTestContext({ redisUrl: `redis://127.0.0.1:${port}` });
});
afterAll(async () => {
  if (!redisServerAvailable) return;
  if (!redis) redis = await startRedis(port).catch(() => null);
  await ctx.close();
  await stopRedis(redis, 'SIGTERM');
}, 30_000);

describeWithRedisServer('nothing accepted is lost: Redis down at start-up', () => {
  test('when Redis is unreachable from the start, then intake answers 200, the relay fails fast, and all is mirrored once Redis comes', async () => {
    await ctx.startWorkers();
    const orders = Array.from({ length: 12 }, () => anOrder());
    for (const o of orders) {
      const res = await ctx.app.inject(aDelivery(o, { topic: 'order.created' }));
      expect(res.json()).toEqual({ status: 'accepted' });
    }
    const started = Date.now();
    await ctx.deps.relay.kick();
    expect(Date.now() - started).toBeLessThan(3000); // a hung Redis call would wait forever
    expect((await ctx.app.inject({ url: '/readyz' })).statusCode).toBe(503);
    const { rows: waiting } = await ctx.pool.query('SELECT count(*)::int AS n FROM webhook_inbox WHERE enqueued_at IS NULL');
    expect(waiting[0].n).toBe(orders.length); // claimed at intake, given back when the queue could not take them
    expect(ctx.deps.relay.held()).toBe(0); // waiting in the inbox, not in this process's memory

    redis = await startRedis(port);
    await waitFor('the producer connection', () => ctx.deps.queues.isReady(), 20_000);
    await ctx.deps.relay.kick();
    await ctx.drained(20_000);
    const { rows } = await ctx.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT wc_order_id)::int AS d FROM orders WHERE wc_order_id = ANY($1::bigint[])',
      [orders.map((o) => o.id)],
    );
    expect(rows[0]).toEqual({ n: orders.length, d: orders.length });
    const { rows: outcomes } = await ctx.pool.query("SELECT count(*)::int AS n FROM webhook_inbox WHERE outcome = 'applied'");
    expect(outcomes[0].n).toBe(orders.length);
  }, 60_000);
});
