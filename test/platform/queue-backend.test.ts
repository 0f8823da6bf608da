import pg from 'pg';
import { createTestContext, TEST_QUEUE_BACKEND, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder } from '../builders/woocommerce.js';
import { queuePoolSize } from '../../src/platform/queues.js';
import { upsertSchedules } from '../../workers/schedules.js';

/**
 * The queue backend is chosen in one place (src/platform/queues.ts) and runs in both projects: Redis, and BullMQ's
 * Postgres backend, where every queue, worker and listener of the process shares one pg.Pool.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());

async function queueDbConnections(): Promise<number> {
  const probe = new pg.Client({ connectionString: ctx.config.databaseUrl });
  await probe.connect();
  try {
    const { rows } = await probe.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
    return rows[0]!.n;
  } finally {
    await probe.end();
  }
}

test(`the app's queues run on the ${TEST_QUEUE_BACKEND} backend and a delivery goes through them`, async () => {
  expect(ctx.deps.queues.backend.kind).toBe(TEST_QUEUE_BACKEND);
  const order = anOrder();
  expect((await ctx.app.inject(aDelivery(order, { topic: 'order.created' }))).statusCode).toBe(200);
  await ctx.drained();
  const { rows } = await ctx.pool.query('SELECT 1 FROM orders WHERE wc_order_id = $1', [order.id]);
  expect(rows).toHaveLength(1);
  // The job commits the mirror's rows first and is marked completed in the queue just after: wait for that mark.
  const until = Date.now() + 10_000;
  while ((await ctx.deps.queues.mirror.getJobCountByTypes('completed')) === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  expect(await ctx.deps.queues.mirror.getJobCountByTypes('completed')).toBeGreaterThan(0);
});

(TEST_QUEUE_BACKEND === 'postgres' ? test : test.skip)(
  'on the Postgres backend, the jobs live in the bullmq schema and all queues and workers share one pool (peak within its size)',
  async () => {
    const probe = new pg.Client({ connectionString: ctx.config.databaseUrl });
    await probe.connect();
    try {
      const { rows } = await probe.query<{ n: number }>("SELECT count(*)::int AS n FROM bullmq.job WHERE queue = 'mirror'");
      expect(rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await probe.end();
    }
    // A burst of deliveries while sampling the connections the process holds on the queue database.
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await queueDbConnections());
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const orders = Array.from({ length: 200 }, () => anOrder());
    await Promise.all(orders.map((o) => ctx.app.inject(aDelivery(o, { topic: 'order.created' }))));
    await ctx.drained();
    sampling = false;
    await sampler;
    expect(peak).toBeGreaterThanOrEqual(7); // one LISTEN connection per worker at least: the sampler sees them
    expect(peak).toBeLessThanOrEqual(queuePoolSize());
  },
);

test('the scheduled sweeps are registered on this backend as job schedulers, and registering twice changes nothing', async () => {
  const opts = { sync: false, reconcileEveryMs: 300_000, retentionCron: '0 3 * * *' };
  await upsertSchedules(ctx.deps.queues, opts);
  await upsertSchedules(ctx.deps.queues, opts);
  const maintenance = await ctx.deps.queues.maintenance.getJobSchedulers();
  expect(maintenance.map((s) => s.key).sort()).toEqual(['purge-inbox-hourly', 'purge-labels-daily', 'purge-privacy-data-daily', 'relay-pushes', 'retention-sweep']);
  const sweep = maintenance.find((s) => s.key === 'retention-sweep')!;
  expect(sweep).toMatchObject({ pattern: '0 3 * * *', tz: 'Europe/Amsterdam' });
  expect(sweep.next).toBeGreaterThan(Date.now());
});
