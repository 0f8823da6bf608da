import type { AddressInfo } from 'node:net';
import type { Job } from 'bullmq';
import { ADMIN_TOKEN, WEBHOOK_SECRET, createTestContext, type TestContext } from '../setup/context.js';
import { startFakeWooCommerce, type FakeWoo } from '../fakes/woocommerce.js';

/**
 * The real app and workers wired to a fake WooCommerce: the shop's REST API is configured (its throwaway CA trusted),
 * the app listens on a real port, and the fake delivers signed webhooks of the given topics to it.
 */
export interface ShopTest {
  fake: FakeWoo;
  ctx: TestContext;
  close(): Promise<void>;
}

export async function startShopTest(topics: string[], o: { clockOffsetMs?: number } = {}): Promise<ShopTest> {
  const fake = await startFakeWooCommerce();
  // Shop and service share one clock in production; "did a webhook arrive after this change?" compares them.
  fake.clock.set(new Date(Date.now() + (o.clockOffsetMs ?? 0)));
  const ctx = await createTestContext(
    { woo: { url: fake.url, consumerKey: fake.consumerKey, consumerSecret: fake.consumerSecret, caFile: null, timeoutMs: 5000 } },
    { wooCa: fake.ca },
  );
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const deliveryUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}/webhooks/woocommerce`;
  await ctx.startWorkers();
  for (const topic of topics) {
    await ctx.deps.sync!.woo.post('webhooks', { name: `companion ${topic}`, topic, delivery_url: deliveryUrl, secret: WEBHOOK_SECRET });
  }
  if (fake.pings.some((p) => p.status !== 200)) throw new Error('the app did not answer the activation ping with 200');
  return {
    fake, ctx,
    async close() {
      await ctx.close();
      await fake.close();
    },
  };
}

/** GET on the operator API. */
export async function api(ctx: TestContext, url: string): Promise<{ status: number; body: any }> {
  const res = await ctx.app.inject({ url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: res.statusCode, body: res.json() };
}

/** Polls until fn returns a truthy value. */
type Falsy = null | undefined | false;
export async function eventually<T>(fn: () => Promise<T | Falsy> | T | Falsy, what: string, timeoutMs = 15000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for a queued job to finish; its return value, or the failure reason as an error. */
export async function finished(ctx: TestContext, job: Job): Promise<any> {
  return eventually(async () => {
    // State first, then the job: a job read while active would still carry no return value.
    const state = await ctx.deps.queues.sync.getJobState(job.id!);
    if (state !== 'completed' && state !== 'failed') return null;
    const j = (await ctx.deps.queues.sync.getJob(job.id!))!;
    if (state === 'failed') throw new Error(`job ${job.name} failed: ${j.failedReason}`);
    return { value: j.returnvalue };
  }, `job ${job.name}`).then((r) => r.value);
}

/** The inbox rows about one resource, oldest first. */
export async function inboxRows(ctx: TestContext, resource: 'order' | 'customer', id: number) {
  const { rows } = await ctx.pool.query<{ id: number; origin: string; outcome: string | null; topic: string; source: string }>(
    'SELECT id, origin, outcome, topic, source FROM webhook_inbox WHERE resource = $1 AND resource_id = $2 ORDER BY id', [resource, id]);
  return rows;
}
