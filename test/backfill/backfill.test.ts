import type { Job } from 'bullmq';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer, anOrder } from '../builders/woocommerce.js';
import { startFakeWooCommerce, type FakeWoo } from '../fakes/woocommerce.js';
import { JobName } from '../../src/jobs.js';
import type { Progress } from '../../src/backfill/progress.js';
import { BACKFILL_KEY } from '../../src/backfill/backfill.service.js';
import { putState } from '../../src/sync/sync-state.repository.js';

/**
 * The backfill against a fake WooCommerce over HTTPS: POST /api/backfill queues the job, the real workers page the
 * shop into the inbox and the mirror, and everything it brings is marked as history.
 */
const ORDERS = 3000;
/** Orders in the shop's trash, on top of ORDERS: `status=any` leaves them out, the backfill's second listing finds them. */
const TRASHED = 30;
const ALL_ORDERS = ORDERS + TRASHED;
const TRASH_BASE = 520_000;
const CUSTOMERS = 200;
const ORDER_BASE = 500_000;
const STATUSES = ['processing', 'completed', 'on-hold', 'cancelled', 'refunded', 'pending'];

let fake: FakeWoo;
let ctx: TestContext;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

jest.setTimeout(60_000); // thousands of orders on 2 shared cores


beforeAll(async () => {
  fake = await startFakeWooCommerce();
  const customers = Array.from({ length: CUSTOMERS }, (_, i) =>
    aCustomer({ id: i + 1, email: `client-${i + 1}@example.com`, first_name: `Client${i + 1}`, role: i < 190 ? 'customer' : 'subscriber' }));
  fake.seedCustomers(customers);
  fake.seedOrders(Array.from({ length: ORDERS }, (_, i) => {
    const registered = i < 600 ? customers[i % CUSTOMERS]! : null;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const month = String(1 + (Math.floor(i / 28) % 12)).padStart(2, '0');
    return anOrder({
      id: ORDER_BASE + i, status: STATUSES[i % STATUSES.length], total: `${10 + (i % 90)}.${String(i % 100).padStart(2, '0')}`,
      email: registered?.email ?? `guest-${i % 700}@example.com`, customer_id: registered?.id ?? 0,
      created: `2024-${month}-${day}T10:00:00`, modified: `2024-${month}-${day}T11:${String(i % 60).padStart(2, '0')}:00`,
    });
  }));
  // Trashed after payment: still an invoice (date_paid) and still someone's personal data.
  fake.seedOrders(Array.from({ length: TRASHED }, (_, i) => ({
    ...anOrder({ id: TRASH_BASE + i, status: 'trash', email: `trashed-${i}@example.com`, created: '2024-03-03T10:00:00', modified: '2024-04-04T10:00:00' }),
    date_paid_gmt: '2024-03-03T10:05:00', date_paid: '2024-03-03T11:05:00',
  })));
  ctx = await createTestContext(
    { woo: { url: fake.url, consumerKey: fake.consumerKey, consumerSecret: fake.consumerSecret, caFile: null, timeoutMs: 10_000 }, mirrorConcurrency: 200 },
    { wooCa: fake.ca },
  );
  await ctx.startWorkers();
});
afterAll(async () => {
  await ctx.close();
  await fake.close();
});

async function postBackfill(body?: object) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/backfill', headers: auth, ...(body ? { payload: body } : {}) });
  expect(res.statusCode).toBe(202);
  return res.json() as { status: string; jobId: string; state: unknown };
}
async function finished(jobId: string, timeoutMs = 25_000): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await ctx.deps.queues.sync.getJob(jobId);
    const state = job ? await job.getState() : 'missing';
    // Read again: the job object was fetched before its state, possibly before it completed (no return value yet).
    if (state === 'completed') return (await ctx.deps.queues.sync.getJob(jobId))!;
    if (state === 'failed') throw new Error(`backfill job ${jobId} failed: ${job!.failedReason}`);
    if (Date.now() > until) throw new Error(`backfill job ${jobId} still ${state} after ${timeoutMs} ms (last error: ${job?.failedReason})`);
    await sleep(50);
  }
}
const count = async (sql: string, params: unknown[] = []) => (await ctx.pool.query<{ n: number }>(sql, params)).rows[0]!.n;
const orderRow = async (wcOrderId: number) =>
  (await ctx.pool.query('SELECT status, history, first_seen_via FROM orders WHERE wc_order_id = $1', [wcOrderId])).rows[0];
const pagesRequested = (from: number, path: RegExp, status?: string) => fake.requests.slice(from)
  .filter((r) => r.method === 'GET' && path.test(r.path) && (!status || r.query.status === status)).map((r) => ({ offset: Number(r.query.offset), status: r.status }));
/** The offsets a listing of n items is read at: each read of 100 starts at the last id taken (0, 99, 198, …), until a short one. */
const readsOf = (n: number) => Array.from({ length: n < 100 ? 1 : Math.floor((n - 100) / 99) + 2 }, (_, k) => k * 99);

describe('backfill of a shop with 3,000 orders and 200 customers', () => {
  let jobId: string;

  test('when POST /api/backfill is called, then 202 {status: queued} and the job pages every order and customer', async () => {
    const from = fake.requests.length;
    const res = await postBackfill();
    expect(res.status).toBe('queued');
    jobId = res.jobId;
    const job = await finished(jobId);
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toEqual({ processed: ALL_ORDERS + CUSTOMERS, totals: { orders: ORDERS, trash: TRASHED, customers: CUSTOMERS } });

    // By position, ids ascending; each read starts at the last id taken (see backfill.service.ts).
    const orderPages = fake.requests.slice(from).filter((r) => r.path.endsWith('/orders'));
    expect(orderPages.map((r) => [r.query.status, Number(r.query.offset)])).toEqual([...readsOf(ORDERS).map((o) => ['any', o]), ['trash', 0]]);
    expect(orderPages.every((r) => r.query.per_page === '100' && r.query.orderby === 'id' && r.query.order === 'asc' && r.status === 200 && r.query.before)).toBe(true);
    const customerPages = fake.requests.slice(from).filter((r) => r.path.endsWith('/customers'));
    expect(customerPages.map((r) => [Number(r.query.offset), r.query.role])).toEqual(readsOf(CUSTOMERS).map((o) => [o, 'all']));
  });

  test('when the workers have drained the inbox, then every order and customer is in the mirror', async () => {
    await ctx.drained(25_000);
    expect(await count('SELECT count(*)::int AS n FROM orders WHERE wc_order_id >= $1', [ORDER_BASE])).toBe(ALL_ORDERS);
    expect(await count('SELECT count(*)::int AS n FROM persons WHERE wc_customer_id IS NOT NULL')).toBe(CUSTOMERS);
    expect(await count("SELECT count(*)::int AS n FROM webhook_inbox WHERE origin = 'backfill' AND outcome = 'applied'")).toBe(ALL_ORDERS + CUSTOMERS);
    // The trashed ones are mirrored as trash, with their payment date: erasure's "was it invoiced?" check sees them.
    expect(await count("SELECT count(*)::int AS n FROM orders WHERE wc_order_id >= $1 AND status = 'trash' AND date_paid_gmt IS NOT NULL", [TRASH_BASE])).toBe(TRASHED);
    const found = await ctx.app.inject({ url: '/api/customers?email=trashed-7@example.com', headers: auth });
    expect(found.json().customers[0].orders).toEqual([expect.objectContaining({ wcOrderId: TRASH_BASE + 7, status: 'trash' })]);
    // Orders of registered customers belong to the customer's person.
    const { rows } = await ctx.pool.query(
      'SELECT p.wc_customer_id, count(o.*)::int AS n FROM orders o JOIN persons p ON p.id = o.person_id WHERE o.wc_customer_id = 7 GROUP BY 1');
    expect(rows).toEqual([{ wc_customer_id: 7, n: 3 }]);
    expect((await orderRow(ORDER_BASE + 1))!.status).toBe('completed');
  });

  test('when backfilled, then every such order is marked history with first_seen_via backfill', async () => {
    const { rows } = await ctx.pool.query(
      'SELECT history, first_seen_via, count(*)::int AS n FROM orders WHERE wc_order_id >= $1 GROUP BY 1, 2', [ORDER_BASE]);
    expect(rows).toEqual([{ history: true, first_seen_via: 'backfill', n: ALL_ORDERS }]);
  });

  test('when the job finished, then its progress reached phase done at 100 % and GET /api/backfill shows the state', async () => {
    const job = (await ctx.deps.queues.sync.getJob(jobId))!;
    const p = job.progress as Progress;
    expect(p).toMatchObject({ phase: 'done', percent: 100, processed: ALL_ORDERS + CUSTOMERS, total: ALL_ORDERS + CUSTOMERS, etaSeconds: 0 });
    expect(p.ratePerSecond).toBeGreaterThan(0);

    const res = await ctx.app.inject({ url: '/api/backfill', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      state: { status: 'done', phase: 'trash', processed: ALL_ORDERS + CUSTOMERS, totals: { orders: ORDERS, trash: TRASHED, customers: CUSTOMERS } },
      job: null,
    });
    expect(res.json().state.finishedAt).toEqual(expect.any(String));
  });

  test('when backfilled orders are mirrored, then they trigger nothing downstream: no job but mirror deliveries', async () => {
    const syncJobs = await ctx.deps.queues.sync.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed']);
    expect(syncJobs.map((j) => j.name)).toEqual([JobName.Backfill]);
    const mirrorJobs = await ctx.deps.queues.mirror.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'], 0, -1);
    const mirrorNames = new Set(mirrorJobs.map((j) => j.name));
    expect([...mirrorNames].every((n) => n === JobName.MirrorDelivery || n === JobName.MirrorBatch)).toBe(true);
    // Every delivery went through exactly one completed mirror job.
    const completed = await ctx.deps.queues.mirror.getJobs(['completed'], 0, -1);
    const delivered = completed.reduce((sum, j) => sum + ((j.data as { inboxIds?: number[] }).inboxIds?.length ?? 1), 0);
    expect(delivered).toBe(ALL_ORDERS + CUSTOMERS);
    expect(await count("SELECT count(*)::int AS n FROM webhook_inbox WHERE outcome IS DISTINCT FROM 'applied'")).toBe(0);
  });

  test('when an order first arrives by webhook, then it is not history; a backfilled order updated by webhook stays history', async () => {
    const fresh = anOrder({ id: ORDER_BASE + ORDERS + 1, email: 'new-buyer@example.com', modified: '2025-03-01T12:00:00' });
    const old = { ...fake.getOrder(ORDER_BASE + 2)!, status: 'completed', date_modified_gmt: '2025-03-01T12:00:05' };
    for (const [body, topic] of [[fresh, 'order.created'], [old, 'order.updated']] as const) {
      const res = await ctx.app.inject(aDelivery(body, { topic }));
      expect(res.json()).toEqual({ status: 'accepted' });
    }
    await ctx.drained();
    expect(await orderRow(fresh.id)).toEqual({ status: 'processing', history: false, first_seen_via: 'webhook' });
    expect(await orderRow(ORDER_BASE + 2)).toEqual({ status: 'completed', history: true, first_seen_via: 'backfill' });
    const names = (await ctx.deps.queues.sync.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'])).map((j) => j.name);
    expect(names).toEqual([JobName.Backfill]);
  });
});

describe('orders placed while a backfill runs', () => {
  test('when an order is created in the shop during the backfill, then the backfill leaves it to webhooks: not history', async () => {
    const woo = ctx.deps.sync!.woo;
    const realGet = woo.get;
    const placed = anOrder({ id: ORDER_BASE + ORDERS + 50, email: 'during@example.com', created: new Date(Date.now() + 60_000).toISOString().slice(0, 19) });
    const spy = jest.spyOn(woo, 'get').mockImplementation(async (endpoint, params) => {
      if (endpoint === 'orders' && params?.offset === readsOf(ORDERS)[4] && !fake.getOrder(placed.id)) await fake.putOrder(placed, { silent: true, keepDates: true });
      return realGet(endpoint, params);
    });
    try {
      const job = await finished((await postBackfill({ restart: true })).jobId);
      expect(await job.getState()).toBe('completed');
    } finally {
      spy.mockRestore();
    }
    expect(await count("SELECT count(*)::int AS n FROM webhook_inbox WHERE origin = 'backfill' AND resource_id = $1", [placed.id])).toBe(0);
    // Its webhook (or reconciliation) brings it, as a new order.
    expect((await ctx.app.inject(aDelivery(fake.getOrder(placed.id), { topic: 'order.created' }))).json()).toEqual({ status: 'accepted' });
    await ctx.drained();
    expect(await orderRow(placed.id)).toEqual({ status: 'processing', history: false, first_seen_via: 'webhook' });
    const pages = fake.requests.filter((r) => r.path.endsWith('/orders')).slice(-readsOf(ORDERS).length);
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.every((r) => r.query.dates_are_gmt === 'true' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(r.query.before!))).toBe(true);
    fake.deleteOrderPermanently(placed.id);
  });
});

describe('resumable backfill', () => {
  test('when a page in the middle keeps failing with 500, then the attempt fails, the cursor holds, and the retry resumes there', async () => {
    const woo = ctx.deps.sync!.woo;
    const realGet = woo.get;
    const FAIL_PAGE = 12;
    const FAIL_AT = (FAIL_PAGE - 1) * 99; // the 12th read: each read of 100 starts at the last id taken
    let calls = 0;
    let stateAtResume: unknown = null;
    const spy = jest.spyOn(woo, 'get').mockImplementation(async (endpoint, params) => {
      if (endpoint === 'orders' && params?.status === 'any' && params?.offset === FAIL_AT) {
        calls++;
        // 4 failures exhaust the client's 4 attempts: this job attempt fails on the 12th page.
        if (calls === 1) fake.failNext(4, { status: 500, path: /\/orders$/ });
        else stateAtResume = await ctx.deps.sync!.backfill.state();
      }
      return realGet(endpoint, params);
    });
    const from = fake.requests.length;
    const logsFrom = ctx.logs.length;
    try {
      const { jobId } = await postBackfill({ restart: true });
      const job = await finished(jobId);
      expect(await job.getState()).toBe('completed');
      expect(job.attemptsMade).toBe(2);
      expect(job.returnvalue).toMatchObject({ processed: ALL_ORDERS + CUSTOMERS });
    } finally {
      spy.mockRestore();
    }

    // The first attempt failed after the client's retries; the log says so without personal data.
    const failedLine = ctx.logs.slice(logsFrom).find((l) => l.includes('"msg":"job failed"') && l.includes('"job":"backfill"'));
    expect(failedLine).toBeDefined();
    expect(failedLine).toMatch(/answered 500/);
    // When the retry started, the saved cursor pointed at the failing page.
    expect(stateAtResume).toMatchObject({
      status: 'running', phase: 'orders', nextPage: Math.floor((FAIL_AT + 1) / 100) + 1, offset: FAIL_AT + 1, lastId: ORDER_BASE + FAIL_AT, processed: FAIL_AT + 1,
    });

    const pages = pagesRequested(from, /\/orders$/, 'any');
    const all = readsOf(ORDERS);
    const firstAttempt = pages.slice(0, FAIL_PAGE - 1 + 4);
    expect(firstAttempt.map((p) => p.offset)).toEqual([...all.slice(0, FAIL_PAGE - 1), ...Array(4).fill(FAIL_AT)]);
    expect(firstAttempt.slice(-4).every((p) => p.status === 500)).toBe(true);
    const resumed = pages.slice(FAIL_PAGE - 1 + 4);
    expect(resumed[0]).toEqual({ offset: FAIL_AT, status: 200 });
    expect(resumed.map((p) => p.offset)).toEqual(all.slice(FAIL_PAGE - 1));
    expect(pages.filter((p) => p.offset === 0)).toHaveLength(1);

    expect(await ctx.deps.sync!.backfill.state()).toMatchObject({ status: 'done', processed: ALL_ORDERS + CUSTOMERS });
    await ctx.drained();
    // The same bodies again: deduplicated in the inbox, nothing new to mirror.
    expect(await count("SELECT count(*)::int AS n FROM webhook_inbox WHERE origin = 'backfill'")).toBe(ALL_ORDERS + CUSTOMERS);
  });

  test('when a run saved by the previous version (no trash listing) resumes in its customers phase, then it also lists the trash', async () => {
    // As the version before the trash listing saved it: two phases, totals without `trash`.
    const saved = { status: 'running', phase: 'customers', nextPage: 2, processed: ORDERS + 100, totals: { orders: ORDERS, customers: CUSTOMERS },
      startedAt: new Date().toISOString(), finishedAt: null };
    await putState(ctx.pool, BACKFILL_KEY, saved);
    const from = fake.requests.length;
    const job = await finished((await postBackfill()).jobId);
    expect(job.returnvalue).toEqual({ processed: ALL_ORDERS + CUSTOMERS, totals: { orders: ORDERS, customers: CUSTOMERS, trash: TRASHED } });
    expect(pagesRequested(from, /\/orders$/, 'any')).toEqual([]);
    // Saved by page number: it resumes at page 2's first place and, knowing no last id, takes all it reads there.
    expect(pagesRequested(from, /\/customers$/)).toEqual([{ offset: 100, status: 200 }, { offset: 199, status: 200 }]);
    expect(pagesRequested(from, /\/orders$/, 'trash')).toEqual([{ offset: 0, status: 200 }]);
    expect(await ctx.deps.sync!.backfill.state()).toMatchObject({ status: 'done', phase: 'trash', processed: ALL_ORDERS + CUSTOMERS });
  });

  test('when POST /api/backfill is sent twice while a backfill is queued, then one job runs one fresh pass', async () => {
    const from = fake.requests.length;
    const [a, b] = [await postBackfill(), await postBackfill()];
    expect(b.jobId).toBe(a.jobId);
    const job = await finished(a.jobId);
    expect(await job.getState()).toBe('completed');
    // After a finished run, a new one starts again at page 1 — once.
    expect(pagesRequested(from, /\/orders$/, 'any').filter((p) => p.offset === 0)).toHaveLength(1);
    expect(pagesRequested(from, /\/orders$/, 'any')).toHaveLength(readsOf(ORDERS).length);
    expect(pagesRequested(from, /\/orders$/, 'trash')).toEqual([{ offset: 0, status: 200 }]);
  });

  test('when a restart job is run again after its worker died (BullMQ counts no attempt), then it resumes its own run; a finished run of it is done', async () => {
    const backfill = ctx.deps.sync!.backfill;
    const woo = ctx.deps.sync!.woo;
    const realGet = woo.get;
    const THIRD = readsOf(ORDERS)[2]!;
    let died = false;
    const spy = jest.spyOn(woo, 'get').mockImplementation(async (endpoint, params) => {
      if (endpoint === 'orders' && params?.offset === THIRD && !died) {
        died = true;
        throw new Error('worker killed'); // the process dies here: nothing after the second read is saved
      }
      return realGet(endpoint, params);
    });
    const from = fake.requests.length;
    try {
      await expect(backfill.run({ restart: true, runId: 'job-41' })).rejects.toThrow('worker killed');
      expect(await backfill.state()).toMatchObject({ status: 'running', runId: 'job-41', offset: THIRD + 1 });
      const done = await backfill.run({ restart: true, runId: 'job-41' }); // the same job, its data still says restart
      expect(done).toMatchObject({ status: 'done', processed: ALL_ORDERS + CUSTOMERS, runId: 'job-41' });
    } finally {
      spy.mockRestore();
    }
    const reads = pagesRequested(from, /\/orders$/, 'any').map((p) => p.offset);
    expect(reads.filter((o) => o === 0)).toHaveLength(1); // not begun again
    expect(reads.slice(2, 3)).toEqual([THIRD]); // resumed where it died
    const before = fake.requests.length;
    expect(await backfill.run({ restart: true, runId: 'job-41' })).toMatchObject({ status: 'done', runId: 'job-41' });
    expect(fake.requests.length).toBe(before); // its finished run is not run twice
    await backfill.run({ restart: true, runId: 'job-42' }); // another job's restart begins again
    expect(pagesRequested(before, /\/orders$/, 'any')[0]).toEqual({ offset: 0, status: 200 });
  });

  test('when an order behind the cursor is trashed mid-run (every later one moves up a place), then no order is skipped', async () => {
    const woo = ctx.deps.sync!.woo;
    const realGet = woo.get;
    const seen = new Set<number>();
    const SIXTH = readsOf(ORDERS)[5]!;
    let trashed = false;
    const spy = jest.spyOn(woo, 'get').mockImplementation(async (endpoint, params) => {
      // Before the 6th read: an order of the first hundred goes to the trash, without a webhook.
      if (endpoint === 'orders' && params?.status === 'any' && params?.offset === SIXTH && !trashed) {
        trashed = true;
        await fake.trashOrder(ORDER_BASE + 3, { silent: true });
      }
      const res = await realGet(endpoint, params);
      if (endpoint === 'orders') for (const o of res.data as { id: number }[]) seen.add(o.id);
      return res;
    });
    const from = fake.requests.length;
    try {
      const job = await finished((await postBackfill({ restart: true })).jobId);
      expect(await job.getState()).toBe('completed');
    } finally {
      spy.mockRestore();
    }
    expect(trashed).toBe(true);
    const missing = Array.from({ length: ORDERS }, (_, i) => ORDER_BASE + i).filter((id) => !seen.has(id));
    expect(missing).toEqual([]); // read by page number, the order after the cursor moved onto a page already read, never listed
    // The read after the trash found the last id taken gone by one place and stepped back once to find it.
    expect(pagesRequested(from, /\/orders$/, 'any').map((p) => p.offset).slice(5, 8)).toEqual([SIXTH, SIXTH - 101, SIXTH - 2]);
    expect(seen.has(ORDER_BASE + 3)).toBe(true); // read before the trash, and again from the trash listing
    expect(pagesRequested(from, /\/orders$/, 'trash')).toEqual([{ offset: 0, status: 200 }]);
  });
});

describe('backfill without the shop REST API', () => {
  test('when WC_URL is not configured, then POST and GET /api/backfill answer 409 not_configured', async () => {
    const bare = await createTestContext();
    try {
      const post = await bare.app.inject({ method: 'POST', url: '/api/backfill', headers: auth });
      expect(post.statusCode).toBe(409);
      expect(post.json()).toMatchObject({ error: 'not_configured', message: expect.stringContaining('WC_URL') });
      expect((await bare.app.inject({ url: '/api/backfill', headers: auth })).statusCode).toBe(409);
      expect(await bare.deps.queues.sync.getJobCounts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
    } finally {
      await bare.close();
    }
  });
});
