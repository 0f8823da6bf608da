import { freePort } from '../builders/private-redis.js';
import type { Job } from 'bullmq';
import { ADMIN_TOKEN, WEBHOOK_SECRET, createTestContext, type TestContext, METRICS_TOKEN } from '../setup/context.js';
import { anOrder } from '../builders/woocommerce.js';
import { startFakeWooCommerce, type FakeWoo } from '../fakes/woocommerce.js';
import { JobName } from '../../src/jobs.js';

/**
 * The shop's webhooks for this service, against a fake WooCommerce that pings on creation, signs deliveries,
 * and disables a webhook after repeated failed deliveries. The app listens on a real port so the fake reaches it.
 */
const TOPICS = ['order.created', 'order.updated', 'order.deleted', 'order.restored', 'customer.created', 'customer.updated', 'customer.deleted'];

let fake: FakeWoo;
let ctx: TestContext;
let publicUrl: string;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  fake = await startFakeWooCommerce();
  const port = await freePort(); // PUBLIC_URL must be known before the app is built: reserve a port, listen on it later
  publicUrl = `http://127.0.0.1:${port}`;
  ctx = await createTestContext({
    woo: { url: fake.url, consumerKey: fake.consumerKey, consumerSecret: fake.consumerSecret, caFile: null, timeoutMs: 10_000 },
    publicUrl, webhooksAutorepair: true,
  }, { wooCa: fake.ca });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  await ctx.startWorkers();
});
afterAll(async () => {
  await ctx.close();
  await fake.close();
});

const webhooks = () => ctx.deps.sync!.webhooks;
const ours = (topic: string) => fake.webhooks().find((w) => w.topic === topic && w.delivery_url === `${publicUrl}/webhooks/woocommerce`)!;
const orderStatus = async (id: number) => (await ctx.pool.query('SELECT status FROM orders WHERE wc_order_id = $1', [id])).rows[0]?.status;
async function health() {
  const res = await ctx.app.inject({ url: '/api/webhooks/health', headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json() as { healthy: boolean | null; topics: { topic: string; state: string; webhookId: number | null; repaired: boolean }[] };
}
const stateOf = (h: Awaited<ReturnType<typeof health>>, topic: string) => h.topics.find((t) => t.topic === topic);
async function metric(state: string): Promise<number> {
  const text = (await ctx.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body;
  const m = new RegExp(`^woo_shop_webhooks\\{state="${state}"\\} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`no woo_shop_webhooks{state="${state}"} in /metrics`);
  return Number(m[1]);
}
async function finished(job: Job, timeoutMs = 20_000): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const current = (await ctx.deps.queues.sync.getJob(job.id!))!;
    const state = await current.getState();
    // Read again: the job object was fetched before its state, possibly before it completed (no return value yet).
    if (state === 'completed') return (await ctx.deps.queues.sync.getJob(job.id!))!;
    if (state === 'failed') throw new Error(`job ${job.id} failed: ${current.failedReason}`);
    if (Date.now() > until) throw new Error(`job ${job.id} still ${state} (attempts made: ${current.attemptsMade}, last error: ${current.failedReason})`);
    await sleep(50);
  }
}

describe('setup-webhooks', () => {
  test('when setup runs on a shop with only a foreign webhook, then it creates our 7, each pinged and answered 200', async () => {
    await ctx.deps.sync!.woo.post('webhooks', { name: 'ERP', topic: 'order.created', delivery_url: 'http://127.0.0.1:9/erp', secret: 'theirs' });
    const report = await webhooks().setup();
    expect(report.healthy).toBe(true);
    expect(report.topics.map((t) => [t.topic, t.state, t.repaired])).toEqual(TOPICS.map((t) => [t, 'missing', true]));

    const mine = fake.webhooks().filter((w) => w.delivery_url === `${publicUrl}/webhooks/woocommerce`);
    expect(mine.map((w) => w.topic).sort()).toEqual([...TOPICS].sort());
    for (const w of mine) expect(w).toMatchObject({ status: 'active', api_version: 'wp_api_v3', secret: WEBHOOK_SECRET, failure_count: 0 });
    // The report names the ids the recreated webhooks have now.
    const idOf = new Map(mine.map((w) => [w.topic, w.id]));
    expect(report.topics.map((t) => [t.topic, t.webhookId])).toEqual(TOPICS.map((t) => [t, idOf.get(t)]));
    const pings = fake.pings.filter((p) => p.url === `${publicUrl}/webhooks/woocommerce`);
    expect(pings.map((p) => p.webhookId).sort()).toEqual(mine.map((w) => w.id).sort());
    expect(pings.every((p) => p.status === 200)).toBe(true);
    // The foreign webhook is neither counted as ours nor touched.
    expect(fake.webhooks().filter((w) => w.delivery_url.endsWith('/erp'))).toEqual([expect.objectContaining({ status: 'active', secret: 'theirs' })]);
  });

  test('when setup runs a second time, then it creates nothing and only writes our secret again (the shop never shows it)', async () => {
    const before = fake.webhooks().map((w) => ({ id: w.id, topic: w.topic, status: w.status, secret: w.secret }));
    const from = fake.requests.length;
    const pings = fake.pings.length;
    const report = await webhooks().setup();
    expect(report.topics.every((t) => t.state === 'ok' && !t.repaired && t.secretSet === true)).toBe(true);
    expect(fake.webhooks().map((w) => ({ id: w.id, topic: w.topic, status: w.status, secret: w.secret }))).toEqual(before);
    expect(fake.pings.length).toBe(pings);
    const writes = fake.requests.slice(from).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => r.method)).toEqual(Array(7).fill('PUT'));
    expect(await metric('ok')).toBe(7);
  });

  test('when our webhook carries another secret (WC_WEBHOOK_SECRET was rotated), then setup writes ours and deliveries verify again', async () => {
    const hook = ours('order.created');
    await ctx.deps.sync!.woo.put(`webhooks/${hook.id}`, { secret: 'the-secret-before-rotation' });
    const refused = await fake.putOrder(anOrder({ status: 'pending' }));
    expect(fake.deliveries.at(-1)).toMatchObject({ webhookId: hook.id, status: 401 });
    const report = await webhooks().setup();
    expect(report.topics.find((t) => t.topic === 'order.created')).toMatchObject({ state: 'ok', secretSet: true });
    expect(ours('order.created').secret).toBe(WEBHOOK_SECRET);
    const o = await fake.putOrder(anOrder({ status: 'pending' }));
    expect(fake.deliveries.at(-1)).toMatchObject({ webhookId: hook.id, topic: 'order.created', status: 200 });
    await ctx.drained();
    expect(await orderStatus(Number(o.id))).toBe('pending');
    expect(await orderStatus(Number(refused.id))).toBeUndefined(); // lost with its 401: reconciliation brings such orders
  });

  test('when an order is put in the shop, then its signed delivery reaches the mirror', async () => {
    const o = await fake.putOrder(anOrder({ status: 'pending' }));
    expect(fake.deliveries.at(-1)).toMatchObject({ webhookId: ours('order.created').id, topic: 'order.created', status: 200 });
    await ctx.drained();
    expect(await orderStatus(Number(o.id))).toBe('pending');
  });
});

describe('webhook health', () => {
  test('when deliveries keep failing (a wrong secret), then the shop disables the webhook and check() reports it', async () => {
    const o = await fake.putOrder(anOrder({ status: 'pending' }));
    await ctx.drained();
    const hook = ours('order.updated');
    await ctx.deps.sync!.woo.put(`webhooks/${hook.id}`, { secret: 'rotated-in-the-shop-admin' });
    for (let i = 0; i < 7; i++) await fake.putOrder({ ...fake.getOrder(Number(o.id))!, customer_note: `note ${i}` });
    expect(fake.deliveries.filter((d) => d.webhookId === hook.id).slice(-7).map((d) => d.status)).toEqual(Array(7).fill(401));
    expect(ours('order.updated').status).toBe('disabled');

    const report = await webhooks().check({ repair: false });
    expect(report.healthy).toBe(false);
    expect(report.topics.filter((t) => t.state !== 'ok')).toEqual([{ topic: 'order.updated', state: 'disabled', webhookId: hook.id, repaired: false }]);
    expect(ours('order.updated').status).toBe('disabled');

    const h = await health();
    expect(h.healthy).toBe(false);
    expect(stateOf(h, 'order.updated')).toMatchObject({ state: 'disabled', webhookId: hook.id, repaired: false });
    expect(await metric('disabled')).toBe(1);
    expect(await metric('ok')).toBe(6);
    expect(ctx.logs.some((l) => l.includes('shop webhooks need attention') && l.includes('order.updated:disabled'))).toBe(true);
  });

  test('when autorepair is on, then the check re-activates it with our secret and deliveries flow again', async () => {
    const id = ours('order.updated').id;
    const res = await ctx.app.inject({ method: 'POST', url: '/api/webhooks/health', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ healthy: true });
    expect(res.json().topics.find((t: { topic: string }) => t.topic === 'order.updated')).toEqual({ topic: 'order.updated', state: 'disabled', webhookId: id, repaired: true });
    expect(ours('order.updated')).toMatchObject({ id, status: 'active', failure_count: 0, secret: WEBHOOK_SECRET, api_version: 'wp_api_v3' });
    expect(fake.webhooks().filter((w) => w.topic === 'order.updated' && w.delivery_url.startsWith(publicUrl))).toHaveLength(1);
    expect(await metric('disabled')).toBe(0);
    expect(await metric('ok')).toBe(7);

    const [order] = (await ctx.pool.query('SELECT wc_order_id FROM orders ORDER BY id DESC LIMIT 1')).rows;
    const id2 = Number(order.wc_order_id);
    await fake.putOrder({ ...fake.getOrder(id2)!, status: 'completed' });
    expect(fake.deliveries.at(-1)).toMatchObject({ webhookId: id, topic: 'order.updated', status: 200 });
    await ctx.drained();
    expect(await orderStatus(id2)).toBe('completed');
  });

  test('when a webhook is removed and another paused, then the scheduled check reports missing and paused', async () => {
    const removed = ours('customer.deleted');
    const paused = ours('order.restored');
    fake.removeWebhook(removed.id);
    fake.setWebhookStatus(paused.id, 'paused');

    const job = await finished(await ctx.deps.queues.sync.add(JobName.CheckWebhooks, { repair: false }));
    expect(job.returnvalue).toEqual({ healthy: false, problems: 2 });
    const h = await health();
    expect(stateOf(h, 'customer.deleted')).toEqual({ topic: 'customer.deleted', state: 'missing', webhookId: null, repaired: false });
    expect(stateOf(h, 'order.restored')).toEqual({ topic: 'order.restored', state: 'paused', webhookId: paused.id, repaired: false });
    expect([await metric('missing'), await metric('paused'), await metric('ok')]).toEqual([1, 1, 5]);
  });

  test('when repair runs, then the missing webhook is recreated (and pinged) and the paused one re-activated', async () => {
    const pings = fake.pings.length;
    const job = await finished(await ctx.deps.queues.sync.add(JobName.CheckWebhooks, { repair: true }));
    expect(job.returnvalue).toEqual({ healthy: true, problems: 2 });

    const recreated = ours('customer.deleted');
    expect(recreated).toMatchObject({ status: 'active', secret: WEBHOOK_SECRET, api_version: 'wp_api_v3' });
    expect(fake.pings.slice(pings)).toEqual([{ webhookId: recreated.id, url: `${publicUrl}/webhooks/woocommerce`, status: 200 }]);
    expect(ours('order.restored').status).toBe('active');
    expect(fake.webhooks().filter((w) => w.delivery_url.startsWith(publicUrl))).toHaveLength(7);

    const report = await webhooks().check();
    expect(report.topics.every((t) => t.state === 'ok')).toBe(true);
    expect(await metric('ok')).toBe(7);
    expect(stateOf(await health(), 'customer.deleted')).toMatchObject({ state: 'ok', webhookId: recreated.id });
  });
});

describe('webhook repair refused', () => {
  test('when the shop refuses a repair (keys without write access: 401), then the check still stores its report naming the failure, and the gauge counts it', async () => {
    const paused = ours('order.restored');
    fake.setWebhookStatus(paused.id, 'paused');
    fake.failNext(1, { status: 401, path: /\/webhooks\/\d+$/ });
    const report = await webhooks().check({ repair: true });
    expect(report.healthy).toBe(false);
    expect(report.topics.find((t) => t.topic === 'order.restored')).toEqual({
      topic: 'order.restored', state: 'paused', webhookId: paused.id, repaired: false, repairError: expect.stringContaining('answered 401'),
    });
    expect(stateOf(await health(), 'order.restored')).toMatchObject({ state: 'paused', repaired: false });
    expect(await metric('paused')).toBe(1);
    expect(ctx.logs.some((l) => l.includes('webhook repair failed'))).toBe(true);
    // The next check repairs it.
    expect((await webhooks().check({ repair: true })).topics.find((t) => t.topic === 'order.restored')).toMatchObject({ state: 'paused', repaired: true });
    expect(await metric('paused')).toBe(0);
  });
});

describe('webhook health without the shop REST API', () => {
  test('when WC_URL is not configured, then GET /api/webhooks/health answers 409 not_configured', async () => {
    const bare = await createTestContext();
    try {
      const res = await bare.app.inject({ url: '/api/webhooks/health', headers: auth });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('not_configured');
    } finally {
      await bare.close();
    }
  });
});
