import { JobName } from '../../src/jobs.js';
import { STATE_KEY, type OrdersState } from '../../src/reconcile/reconcile.service.js';
import { getState } from '../../src/sync/sync-state.repository.js';
import { toWooGmt } from '../../src/reconcile/watermark.js';
import { anOrder } from '../builders/woocommerce.js';
import { api, finished, inboxRows, startShopTest, type ShopTest } from '../sync/shop.js';

/**
 * Mirror complete: the fake shop delivers webhooks to the running app, but "forgets" one change; reconciliation
 * finds it within one run, counts it as missed, and keeps its watermark safe when the shop fails mid-run.
 */

let shop: ShopTest;
const modifiedOf = (id: number) => String(shop.fake.getOrder(id)!.date_modified_gmt);
const isoOf = (gmt: string) => new Date(`${gmt}Z`).toISOString();
const orderQueries = () => shop.fake.requests.filter((r) => r.method === 'GET' && r.path === '/wp-json/wc/v3/orders');
const storedState = async () => (await getState<OrdersState>(shop.ctx.pool, STATE_KEY.orders))?.value;
const reconcile = async () => finished(shop.ctx, await shop.ctx.deps.queues.sync.add(JobName.ReconcileOrders, {}));

let a: number;
let b: number;
let c: number;

describe('reconciliation of orders', () => {
  beforeAll(async () => {
    shop = await startShopTest(['order.created', 'order.updated']);
  });
  afterAll(async () => shop?.close());

  test('when the shop forgets one delivery, then one reconciliation run brings the change into the mirror', async () => {
    const { fake, ctx } = shop;
    a = (await fake.putOrder(anOrder({ email: 'rec-a@example.com' }))).id as number;
    b = (await fake.putOrder(anOrder({ email: 'rec-b@example.com', status: 'processing' }))).id as number;
    c = (await fake.putOrder(anOrder({ email: 'rec-c@example.com' }))).id as number;
    await ctx.drained();
    for (const id of [a, b, c]) expect((await api(ctx, `/api/orders/${id}`)).status).toBe(200);

    await fake.putOrder({ ...fake.getOrder(b)!, status: 'completed', total: '31.00' }, { silent: true });
    await ctx.drained();
    expect((await api(ctx, `/api/orders/${b}`)).body).toMatchObject({ status: 'processing', total: '28.63' });

    const result = await reconcile();
    expect(result).toMatchObject({ fetched: 3, missed: 1 });
    await ctx.drained();

    expect((await api(ctx, `/api/orders/${b}`)).body).toMatchObject({ status: 'completed', total: '31.00', dateModified: isoOf(modifiedOf(b)) });
    const rows = await inboxRows(ctx, 'order', b);
    expect(rows.map((r) => r.origin)).toEqual(['webhook', 'reconcile']);
    expect(rows.at(-1)).toMatchObject({ outcome: 'applied', source: 'rest-api', topic: 'order.updated' });
  });

  test('when the run is reported, then the watermark, a small lag and the missed count show — webhook-delivered orders are not missed', async () => {
    const { body, status } = await api(shop.ctx, '/api/reconciliation');
    expect(status).toBe(200);
    expect(body.orders).toMatchObject({ watermark: isoOf(modifiedOf(b)), lastRunFetched: 3, lastRunMissed: 1, missedTotal: 1, runs: 1 });
    expect(body.orders.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(body.orders.lagSeconds).toBeLessThan(30);
    expect(Date.parse(body.orders.lastRunAt)).toBeGreaterThan(Date.now() - 30_000);
    expect(body.customers).toBeNull();
  });

  test('when reconciliation runs again with nothing new, then the overlap re-reads orders without counting them as missed', async () => {
    const result = await reconcile();
    expect(result).toMatchObject({ fetched: 3, missed: 0, watermark: isoOf(modifiedOf(b)) });
    await shop.ctx.drained();
    expect((await api(shop.ctx, '/api/reconciliation')).body.orders).toMatchObject({ runs: 2, lastRunMissed: 0, missedTotal: 1 });
  });

  test('when the shop is asked for changes, then modified_after is UTC without a Z suffix, 60 s before the watermark', () => {
    const all = orderQueries();
    const queries = all.filter((q) => q.query.status === 'any');
    expect(queries.length).toBeGreaterThanOrEqual(2);
    for (const q of all) {
      expect(q.query.modified_after).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      expect(q.query).toMatchObject({ dates_are_gmt: 'true', orderby: 'modified', order: 'asc', per_page: '100' });
    }
    // Each run lists trashed orders (which status=any leaves out) over the same window first.
    expect(all.map((q) => q.query.status)).toEqual(['trash', 'any', 'trash', 'any']);
    expect(all[0]!.query.modified_after).toBe(all[1]!.query.modified_after);
    // The first run covers at least the last 24 hours (the mirror's orders are all newer); the second starts from
    // the watermark (b's forgotten change), 60 s earlier.
    const sixtyBefore = (gmt: string) => toWooGmt(new Date(Date.parse(`${gmt}Z`) - 60_000));
    const [first, second] = queries.map((q) => q.query.modified_after!);
    const dayBeforeC = Date.parse(`${modifiedOf(c)}Z`) - 24 * 3600_000 - 60_000;
    expect(Math.abs(Date.parse(`${first}Z`) - dayBeforeC)).toBeLessThan(30_000);
    expect(second).toBe(sixtyBefore(modifiedOf(b)));
  });

  test('when an order is moved to the trash and its order.deleted webhook is lost, then reconciliation finds it there', async () => {
    const { fake, ctx } = shop;
    await fake.trashOrder(c, { silent: true });
    expect((await api(ctx, `/api/orders/${c}`)).body.status).not.toBe('trash');

    const result = await reconcile();
    expect(result).toMatchObject({ missed: 1 });
    await ctx.drained();
    expect((await api(ctx, `/api/orders/${c}`)).body).toMatchObject({ status: 'trash', dateModified: isoOf(modifiedOf(c)) });
    expect(await storedState()).toMatchObject({ trashWatermark: isoOf(modifiedOf(c)) });
  });

  test('when an order is trashed while a run is under way, then the next run still finds it, however far the watermark moved', async () => {
    const { fake, ctx } = shop;
    const d = (await fake.putOrder(anOrder({ email: 'rec-d@example.com' }))).id as number;
    await ctx.drained();
    let once = false;
    await ctx.deps.sync!.reconcile.reconcileOrders(async () => {
      if (once) return;
      once = true;
      // After the trash listing: d goes to the trash unannounced, then another order changes ten minutes later, so
      // this run's watermark ends far beyond d's trash time (more than the one-minute overlap).
      await fake.trashOrder(d, { silent: true });
      fake.clock.advance(600_000);
      await fake.putOrder({ ...fake.getOrder(a)!, customer_note: 'later' }, { silent: true });
    });
    await ctx.drained();
    expect((await api(ctx, `/api/orders/${d}`)).body.status).not.toBe('trash');
    expect(Date.parse((await storedState())!.watermark)).toBeGreaterThan(Date.parse(isoOf(modifiedOf(d))) + 60_000);

    await reconcile();
    await ctx.drained();
    expect((await api(ctx, `/api/orders/${d}`)).body.status).toBe('trash');
  });
});

describe('reconciliation that fails mid-run', () => {
  beforeAll(async () => {
    // 150 changes made ten minutes ago that no webhook brought; the mirror is empty.
    shop = await startShopTest([], { clockOffsetMs: -600_000 });
  });
  afterAll(async () => shop?.close());

  test('when the shop fails on the second page, then the watermark stops at the first page and the next run resumes there', async () => {
    const { fake, ctx } = shop;
    const start = fake.clock.now().getTime();
    const seeded = Array.from({ length: 150 }, (_, i) =>
      anOrder({ id: 90_000 + i, email: `seed-${i}@example.com`, modified: toWooGmt(new Date(start + i * 1000)) }));
    fake.seedOrders(seeded);
    const modified = (i: number) => seeded[i]!.date_modified_gmt;

    const failing = ctx.deps.sync!.reconcile.reconcileOrders(async (p) => {
      // After the trash listing (empty) and the first page of changes, every attempt at the next page fails (the
      // client tries 4 times).
      if (p.fetched === 100) fake.failNext(4, { status: 500, path: /\/orders$/ });
    });
    await expect(failing).rejects.toMatchObject({ status: 500, retryable: true });
    expect(orderQueries().map((q) => [q.query.status, q.status])).toEqual([['trash', 200], ['any', 200], ...Array(4).fill(['any', 500])]);

    // No watermark yet and an empty mirror: the first run looks a day back, and stops after the first page.
    const state = await storedState();
    expect(state).toMatchObject({ watermark: isoOf(modified(99)), runs: 0, missedTotal: 100 });
    const { rows } = await ctx.pool.query<{ n: number }>("SELECT count(DISTINCT resource_id)::int AS n FROM webhook_inbox WHERE origin = 'reconcile'");
    expect(rows[0]!.n).toBe(100);

    const resumed = await reconcile();
    expect(orderQueries().at(-2)!.query.modified_after).toBe(toWooGmt(new Date(Date.parse(state!.watermark) - 60_000)));
    expect(resumed).toMatchObject({ watermark: isoOf(modified(149)), missed: 50 });
    await ctx.drained();
    const mirrored = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
    expect(mirrored.rows[0]!.n).toBe(150);
    expect((await api(ctx, '/api/reconciliation')).body.orders).toMatchObject({ runs: 1, lastRunMissed: 50, missedTotal: 150 });
  });
});
