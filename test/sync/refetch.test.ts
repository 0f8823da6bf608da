import { jobId } from '../../src/jobs.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer, anOrder } from '../builders/woocommerce.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { api, eventually, finished, inboxRows, startShopTest, type ShopTest } from './shop.js';

/**
 * Deliveries that are not a full resource — `{"id":n}` from trash or deletion, a REST error object — are followed by
 * a read of the shop's REST API before the mirror trusts them; a 404 there means the resource is gone for good.
 */

const restError = { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot view this resource.', data: { status: 401 } };

describe('with the shop\'s REST API configured', () => {
  let shop: ShopTest;
  beforeAll(async () => {
    shop = await startShopTest(['order.created', 'order.updated', 'order.deleted', 'customer.created', 'customer.deleted']);
  });
  afterAll(async () => shop?.close());

  const restReads = (path: string) => shop.fake.requests.filter((r) => r.method === 'GET' && r.path === `/wp-json/wc/v3/${path}`);
  /** The refetch job queued for the id-only row about this resource, once finished. */
  async function refetchJob(resource: 'order' | 'customer', id: number) {
    const idOnly = await eventually(async () => (await inboxRows(shop.ctx, resource, id)).find((r) => r.topic === `${resource}.deleted` && r.outcome), 'the id-only delivery');
    const job = await eventually(() => shop.ctx.deps.queues.sync.getJob(jobId.refetch(resource, id, idOnly.id)), 'the refetch job');
    return { idOnly, result: await finished(shop.ctx, job) };
  }

  test('when a trashed order arrives as {"id":n}, then it is re-fetched and the mirror shows the shop\'s REST state', async () => {
    const { fake, ctx } = shop;
    const o = await fake.putOrder(anOrder({ email: 'refetch-trash@example.com', status: 'processing' }));
    const id = o.id as number;
    await ctx.drained();
    // A change the shop never announced, then the trash: only the REST read can know the new total.
    await fake.putOrder({ ...o, total: '45.00' }, { silent: true });
    await fake.trashOrder(id);

    const { idOnly, result } = await refetchJob('order', id);
    expect(idOnly.outcome).toBe('applied');
    expect(result).toMatchObject({ outcome: 'refetched', fresh: 1 });
    await ctx.drained();

    expect(restReads(`orders/${id}`).map((r) => r.status)).toEqual([200]);
    const shown = (await api(ctx, `/api/orders/${id}`)).body;
    expect(shown).toMatchObject({ status: 'trash', total: '45.00', dateModified: new Date(`${String(fake.getOrder(id)!.date_modified_gmt)}Z`).toISOString() });
    expect((await inboxRows(ctx, 'order', id)).map((r) => [r.origin, r.outcome])).toEqual([
      ['webhook', 'applied'], ['webhook', 'applied'], ['refetch', 'applied'],
    ]);
  });

  test('when the order was deleted permanently, then the re-fetch gets 404 and the mirror records wc_deleted_at', async () => {
    const { fake, ctx } = shop;
    const id = (await fake.putOrder(anOrder({ email: 'refetch-gone@example.com' }))).id as number;
    await ctx.drained();
    await fake.trashOrder(id, { silent: true });
    fake.deleteOrderPermanently(id);
    expect(await fake.deliverRaw('order.deleted', { id })).toEqual([200]);

    const { result } = await refetchJob('order', id);
    expect(result).toEqual({ outcome: 'deleted-in-shop', marked: true });
    expect(restReads(`orders/${id}`).map((r) => r.status)).toEqual([404]);
    const { rows } = await ctx.pool.query('SELECT status, wc_deleted_at FROM orders WHERE wc_order_id = $1', [id]);
    expect(rows[0].status).toBe('trash');
    expect(rows[0].wc_deleted_at).toBeInstanceOf(Date);
    expect(Date.now() - rows[0].wc_deleted_at.getTime()).toBeLessThan(60_000);
    // The order stays in the mirror (it is history), still readable through the API.
    expect((await api(ctx, `/api/orders/${id}`)).status).toBe(200);
  });

  test('when a deleted customer is re-fetched and the shop answers 404, then the account is recorded as deleted', async () => {
    const { fake, ctx } = shop;
    const id = (await fake.putCustomer(aCustomer({ email: 'refetch-cust@example.com' }))).id as number;
    await ctx.drained();
    await fake.deleteCustomer(id);

    const { idOnly, result } = await refetchJob('customer', id);
    expect(idOnly.outcome).toBe('applied');
    expect(result).toEqual({ outcome: 'deleted-in-shop', marked: true });
    expect(restReads(`customers/${id}`).map((r) => r.status)).toEqual([404]);
    const { rows } = await ctx.pool.query('SELECT wc_account_deleted_at FROM persons WHERE wc_customer_id = $1', [id]);
    expect(rows[0].wc_account_deleted_at).toBeInstanceOf(Date);
  });

  test('when the shop delivers a REST error object instead of the order, then the service reconciles and the change arrives', async () => {
    const { fake, ctx } = shop;
    const o = await fake.putOrder(anOrder({ email: 'refetch-error@example.com', status: 'processing' }));
    const id = o.id as number;
    await ctx.drained();
    await fake.putOrder({ ...o, status: 'completed' }, { silent: true });
    const before = fake.requests.length;
    expect(await fake.deliverRaw('order.updated', restError)).toEqual([200]);

    await eventually(async () => (await inboxRows(ctx, 'order', id)).some((r) => r.origin === 'reconcile' && r.outcome), 'the reconciled order');
    await ctx.drained();
    expect((await api(ctx, `/api/orders/${id}`)).body.status).toBe('completed');
    const { rows } = await ctx.pool.query("SELECT outcome, reason, resource_id FROM webhook_inbox WHERE convert_from(body, 'UTF8') LIKE '%woocommerce_rest_cannot_view%'");
    expect(rows).toEqual([{ outcome: 'refetch', reason: expect.stringContaining('woocommerce_rest_cannot_view (401)'), resource_id: null }]);
    const queries = fake.requests.slice(before).filter((r) => r.path === '/wp-json/wc/v3/orders');
    expect(queries.length).toBeGreaterThanOrEqual(1);
    expect(queries[0]!.query).toMatchObject({ orderby: 'modified', dates_are_gmt: 'true' });
  });
});

describe('without the shop\'s REST API', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
    await ctx.startWorkers();
  });
  afterAll(async () => ctx?.close());

  async function deliver(body: unknown, topic: string) {
    const res = await ctx.app.inject(aDelivery(body, { topic }));
    expect(res.statusCode).toBe(200);
    await ctx.drained();
  }

  test('when an {"id":n} body arrives, then the order is still trashed and no sync job is queued', async () => {
    const o = anOrder({ email: 'no-rest@example.com' });
    await deliver(o, 'order.created');
    await deliver({ id: o.id }, 'order.deleted');
    expect((await api(ctx, `/api/orders/${o.id}`)).body.status).toBe('trash');
    const { rows } = await ctx.pool.query('SELECT topic, outcome FROM webhook_inbox WHERE resource_id = $1 ORDER BY id', [o.id]);
    expect(rows).toEqual([{ topic: 'order.created', outcome: 'applied' }, { topic: 'order.deleted', outcome: 'applied' }]);
    // An id the mirror has never seen is skipped rather than re-fetched.
    await deliver({ id: o.id + 100_000 }, 'order.deleted');
    expect((await ctx.pool.query('SELECT outcome FROM webhook_inbox WHERE resource_id = $1', [o.id + 100_000])).rows).toEqual([{ outcome: 'skipped' }]);
    // A REST error body cannot be resolved without the API: it is recorded as failed.
    await deliver(restError, 'order.updated');
    const failed = await ctx.pool.query("SELECT outcome FROM webhook_inbox WHERE convert_from(body, 'UTF8') LIKE '%woocommerce_rest_cannot_view%'");
    expect(failed.rows).toEqual([{ outcome: 'failed' }]);

    const counts = await ctx.deps.queues.sync.getJobCounts();
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
    expect(await ctx.deps.queues.sync.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).toEqual([]);
    expect((await api(ctx, '/api/reconciliation')).body).toMatchObject({ error: 'not_configured' });
  });
});
