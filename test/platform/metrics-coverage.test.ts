import { createTestContext, METRICS_TOKEN, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder } from '../builders/woocommerce.js';
import { putState } from '../../src/sync/sync-state.repository.js';
import { QueueName } from '../../src/jobs.js';
import { collectOnScrape } from '../../src/platform/scrape-collectors.js';
import { jobSeconds } from '../../src/platform/job-metrics.js';
import { startWorkers } from '../../workers/start.js';

/**
 * Issue 7 "metrics": after real traffic, /metrics (behind METRICS_TOKEN) shows deliveries by topic and outcome,
 * intake latency, queue depth and job durations per queue, failed pushes per processor, open and overdue
 * requests, sweeps, reconciliation lag and webhook health — and no label carries personal data.
 */

const EMAIL = 'metrics.person@example.com';
const DAY = 86_400_000;
let ctx: TestContext;
let workers: Awaited<ReturnType<typeof startWorkers>>;

beforeAll(async () => {
  ctx = await createTestContext();
  ctx.deps.relay.start();
  workers = await startWorkers(ctx.deps, { schedules: false });
});
afterAll(async () => {
  await workers.close(2000);
  await ctx.close();
});

const scrape = async () => {
  const res = await ctx.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.statusCode).toBe(200);
  return res.body;
};
/** The value of the sample whose name and labels are exactly `series` (labels in registration order). */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
async function until(what: string, ok: () => Promise<boolean>, ms = 10_000) {
  for (const end = Date.now() + ms; !(await ok());) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function seedStoredState(wcOrderId: number) {
  const now = ctx.deps.clock.now().getTime();
  await ctx.pool.query(
    `INSERT INTO processor_syncs (order_id, processor, kind, status, last_error) SELECT id, 'postnl', 'shipment', 'failed', 'rejected' FROM orders WHERE wc_order_id = $1`,
    [wcOrderId]);
  for (const due of [now + 10 * DAY, now - DAY]) {
    await ctx.pool.query(`INSERT INTO privacy_requests (type, email, subject_key, received_at, due_at, filed_by)
      VALUES ('access', $1, '\\x01', $2, $3, 'operator')`, [EMAIL, new Date(now - 20 * DAY), new Date(due)]);
  }
  // One answer failed for good; another failed one was purged (nothing left to send): only the first counts.
  await ctx.pool.query(`INSERT INTO mail_outbox (request_id, template, lang, status, purged_at)
    SELECT (SELECT id FROM privacy_requests LIMIT 1), 'access_export', 'en', 'failed', x FROM unnest(ARRAY[NULL, now()]::timestamptz[]) AS x`);
  for (const [status, erased] of [['completed', 3], ['failed', 0]] as const) {
    await ctx.pool.query(`INSERT INTO retention_sweeps (status, trigger, created_at, cutoff, today, counts, finished_at)
      VALUES ($1, 'schedule', $2, $2, current_date, $3, $2)`, [status, new Date(now - 60_000), JSON.stringify({ personsErased: erased })]);
  }
  // Processor erasures: one to do by hand, one done, one failed and closed by hand — only the first is open.
  await ctx.pool.query(`INSERT INTO erasure_tombstones (id, person_id, erased_at, reason, categories)
    SELECT 'aaaaaaaa-0000-4000-8000-000000000001', person_id, now(), 'operator', '{}' FROM orders WHERE wc_order_id = $1`, [wcOrderId]);
  await ctx.pool.query(`INSERT INTO processor_erasures (tombstone_id, processor, status, resolved_at) VALUES
    ('aaaaaaaa-0000-4000-8000-000000000001', 'reviews', 'manual_required', NULL), ('aaaaaaaa-0000-4000-8000-000000000001', 'reviews', 'done', NULL),
    ('aaaaaaaa-0000-4000-8000-000000000001', 'reviews', 'failed', now())`);
  // As a worker process stores them: this API process never ran a reconciliation itself (the split deployment).
  await putState(ctx.pool, 'reconcile.orders', { lastRunAt: new Date(now - 600_000).toISOString(), watermark: '2026-01-02T03:04:05.000Z', missedTotal: 4 });
  await putState(ctx.pool, 'reconcile.customers', { lastRunAt: new Date(now - 600_000).toISOString(), missedTotal: 2 });
  await putState(ctx.pool, 'webhooks.health', {
    checkedAt: new Date(now).toISOString(), healthy: false,
    topics: [{ topic: 'order.created', state: 'disabled', webhookId: 3, repaired: false }, { topic: 'order.updated', state: 'ok', webhookId: 4, repaired: false }],
  });
}

describe('GET /metrics after traffic', () => {
  let text: string;
  beforeAll(async () => {
    const order = anOrder({ email: EMAIL, first_name: 'Mette', last_name: 'Rixtel' });
    expect((await ctx.app.inject(aDelivery(order, { topic: 'order.created' }))).json()).toEqual({ status: 'accepted' });
    await ctx.drained();
    // The mirror job's `completed` event follows its commit.
    await until('a job duration', async () => (await ctx.deps.metrics.jobDuration.get()).values.length > 0);
    await seedStoredState(order.id);
    await collectOnScrape(ctx.deps.metrics, { pool: ctx.pool, queues: ctx.deps.queues, clock: ctx.deps.clock })();
    text = await scrape();
  });

  test('when an order webhook was applied, then deliveries are counted by topic and outcome and intake latency is observed', () => {
    expect(sample(text, 'woo_mirror_deliveries_total{topic="order.created",outcome="applied"}')).toBe(1);
    expect(sample(text, 'woo_intake_latency_seconds_count{status="accepted"}')).toBe(1);
    expect(sample(text, 'woo_intake_latency_seconds_bucket{le="+Inf",status="accepted"}')).toBe(1);
  });

  test('when the collectors ran, then every queue reports its depth by state and the mirror job its duration', () => {
    for (const queue of Object.values(QueueName)) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(sample(text, `woo_queue_jobs{queue="${queue}",state="${state}"}`)).toBe(0);
    }
    const durations = text.split('\n').filter((l) => l.startsWith('woo_job_duration_seconds_count{queue="mirror",job="mirror-'));
    expect(durations.some((l) => l.includes('outcome="completed"') && Number(l.split(' ').pop()) >= 1)).toBe(true);
  });

  test('when state is stored in Postgres, then pushes, processor erasures to do by hand, requests, sweeps, reconciliation lag, missed changes, watermark and webhook health are exported', () => {
    expect(sample(text, 'woo_pushes_failed{processor="postnl"}')).toBe(1);
    expect(sample(text, 'woo_pushes_failed{processor="snelstart"}')).toBe(0);
    expect(sample(text, 'woo_processor_erasures_open{status="manual_required"}')).toBe(1);
    expect(sample(text, 'woo_subject_mails_failed')).toBe(1);
    expect(sample(text, 'woo_processor_erasures_open{status="failed"}')).toBe(0); // closed by hand
    expect(sample(text, 'woo_privacy_requests_open')).toBe(2);
    expect(sample(text, 'woo_privacy_requests_overdue')).toBe(1);
    expect(sample(text, 'woo_privacy_requests_due_soon')).toBe(1); // the overdue one; the other is due in 10 days
    expect(sample(text, 'woo_retention_last_sweep_persons_erased')).toBe(3);
    expect(sample(text, 'woo_retention_sweeps_recent{status="failed"}')).toBe(1);
    expect(sample(text, 'woo_retention_sweeps_recent{status="blocked"}')).toBe(0);
    expect(sample(text, 'woo_reconcile_lag_seconds{resource="order"}')).toBeGreaterThanOrEqual(600);
    expect(sample(text, 'woo_reconcile_lag_seconds{resource="order"}')).toBeLessThan(660);
    expect(sample(text, 'woo_reconcile_missed_total{resource="order"}')).toBe(4);
    expect(sample(text, 'woo_reconcile_missed_total{resource="customer"}')).toBe(2);
    expect(sample(text, 'woo_reconcile_watermark_seconds')).toBe(Date.parse('2026-01-02T03:04:05.000Z') / 1000);
    expect(sample(text, 'woo_shop_webhooks{state="disabled"}')).toBe(1);
    expect(sample(text, 'woo_shop_webhooks{state="ok"}')).toBe(1);
    expect(sample(text, 'woo_inbox_oldest_unprocessed_seconds')).toBe(0);
  });

  test('when the person behind the traffic is searched for, then no label or value names them', () => {
    expect(text).not.toContain(EMAIL);
    expect(text).not.toMatch(/Mette|Rixtel/);
    const labelSets = text.split('\n').filter((l) => !l.startsWith('#')).map((l) => /\{(.*)\}/.exec(l)?.[1] ?? '');
    expect(labelSets.filter((l) => l.includes('@'))).toEqual([]);
  });
});

describe('collectors', () => {
  test('when Redis is not ready, then the database gauges are still refreshed', async () => {
    await ctx.pool.query(`UPDATE privacy_requests SET status = 'completed' WHERE due_at < now()`);
    await collectOnScrape(ctx.deps.metrics, { pool: ctx.pool, queues: { all: [], isReady: () => false }, clock: ctx.deps.clock })();
    expect(sample(await scrape(), 'woo_privacy_requests_overdue')).toBe(0);
  });

  test('when reconciliation has never run, then the lag series is absent rather than zero', async () => {
    await ctx.pool.query(`DELETE FROM sync_state WHERE key = 'reconcile.orders'`);
    await collectOnScrape(ctx.deps.metrics, { pool: ctx.pool, queues: ctx.deps.queues, clock: ctx.deps.clock })();
    expect(sample(await scrape(), 'woo_reconcile_lag_seconds{resource="order"}')).toBeUndefined();
  });

  test('when a job has no recorded start, then no duration is observed; otherwise finish minus start', () => {
    expect(jobSeconds({ processedOn: undefined, finishedOn: 5000 })).toBeNull();
    expect(jobSeconds({ processedOn: 1000, finishedOn: 3500 })).toBe(2.5);
  });
});
