import type { Queryable } from './db.js';
import type { Clock } from './clock.js';
import type { Metrics } from './metrics.js';
import type { Queues } from './queues.js';
import { getState } from '../sync/sync-state.repository.js';
import { HEALTH_KEY, type HealthReport } from '../shop-webhooks/webhooks.service.js';
import { STATE_KEY, type CustomersState, type OrdersState } from '../reconcile/reconcile.service.js';
import type { WebhookState } from '../shop-webhooks/plan.js';
import { openFollowUpCounts } from '../processors/erasure-followups.repository.js';
import { failedSubjectMails } from '../mail/outbox.repository.js';

/**
 * Gauges read from Postgres and Redis right before each /metrics scrape (issue 7): stored state, not process
 * memory, so the API shows what the workers did even when they run in another process. Counts only — no label
 * ever carries an id, an address or a name.
 */

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'waiting-children'] as const;
const PROCESSORS = ['snelstart', 'postnl', 'reviews'] as const;
const SWEEP_STATUSES = ['completed', 'failed', 'blocked'] as const;
const FOLLOW_UP_STATUSES = ['failed', 'manual_required'] as const;
const WEBHOOK_STATES: WebhookState[] = ['ok', 'missing', 'paused', 'disabled', 'mismatch'];
/** A scrape must answer even when Redis hangs (BullMQ waits for a connection that never comes). */
const QUEUE_TIMEOUT_MS = 2000;

/* $1 now */
const PRIVACY = /* sql */ `
  SELECT count(*)::int AS open, count(*) FILTER (WHERE due_at < $1)::int AS overdue,
    count(*) FILTER (WHERE due_at < $1::timestamptz + interval '7 days')::int AS due_soon
  FROM privacy_requests WHERE linked_to IS NULL AND status NOT IN ('completed', 'rejected')`;
const PUSHES = /* sql */ `SELECT processor, count(*)::int AS n FROM processor_syncs WHERE status = 'failed' GROUP BY processor`;
/* $1 now */
const SWEEPS = /* sql */ `
  SELECT status, count(*)::int AS n FROM retention_sweeps
  WHERE finished_at > $1::timestamptz - interval '24 hours' AND status IN ('completed', 'failed', 'blocked') GROUP BY status`;
const LAST_SWEEP = /* sql */ `
  SELECT COALESCE((counts->>'personsErased')::bigint, 0)::float8 AS erased FROM retention_sweeps
  WHERE status = 'completed' ORDER BY finished_at DESC NULLS LAST LIMIT 1`;
/* $1 now */
const INBOX = /* sql */ `
  SELECT COALESCE(EXTRACT(EPOCH FROM ($1::timestamptz - min(received_at))), 0)::float8 AS oldest
  FROM webhook_inbox WHERE processed_at IS NULL`;

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), ms).unref())]);

export interface ScrapeSources {
  pool: Queryable;
  queues: Pick<Queues, 'all' | 'isReady'>;
  clock: Clock;
}

/** Returns the function to run before each scrape; one failing source leaves the others' gauges fresh. */
export function collectOnScrape(metrics: Metrics, src: ScrapeSources): () => Promise<void> {
  const { pool, clock } = src;

  async function queues() {
    if (!src.queues.isReady()) return; // Redis down: the gauges keep their last values; readiness reports the outage
    await Promise.all(src.queues.all.map(async (q) => {
      const counts = await withTimeout(q.getJobCounts(...QUEUE_STATES), QUEUE_TIMEOUT_MS);
      for (const state of QUEUE_STATES) metrics.queueJobs.set({ queue: q.name, state }, counts[state] ?? 0);
    }));
  }

  async function privacy(now: Date) {
    const r = (await pool.query<{ open: number; overdue: number; due_soon: number }>(PRIVACY, [now])).rows[0]!;
    metrics.privacyRequestsOpen.set(r.open);
    metrics.privacyRequestsOverdue.set(r.overdue);
    metrics.privacyRequestsDueSoon.set(r.due_soon);
  }

  async function pushes() {
    const { rows } = await pool.query<{ processor: string; n: number }>(PUSHES);
    for (const p of PROCESSORS) metrics.pushesFailed.set({ processor: p }, rows.find((r) => r.processor === p)?.n ?? 0);
  }

  async function mails() {
    metrics.mailsFailed.set((await failedSubjectMails(pool)).n);
  }

  async function erasureFollowUps() {
    const rows = await openFollowUpCounts(pool);
    for (const s of FOLLOW_UP_STATUSES) metrics.processorErasuresOpen.set({ status: s }, rows.find((r) => r.status === s)?.n ?? 0);
  }

  async function sweeps(now: Date) {
    const [recent, last] = await Promise.all([
      pool.query<{ status: string; n: number }>(SWEEPS, [now]),
      pool.query<{ erased: number }>(LAST_SWEEP),
    ]);
    for (const s of SWEEP_STATUSES) metrics.retentionRecent.set({ status: s }, recent.rows.find((r) => r.status === s)?.n ?? 0);
    metrics.retentionLastErased.set(last.rows[0]?.erased ?? 0);
  }

  async function reconcile(now: Date) {
    const [orders, customers] = await Promise.all([
      getState<OrdersState>(pool, STATE_KEY.orders).then((s) => s?.value), getState<CustomersState>(pool, STATE_KEY.customers).then((s) => s?.value),
    ]);
    // The run's counter and watermark live in the worker's memory; in the split deployment only this process is
    // scraped, so both are brought up to the stored state (a counter only ever rises to it).
    const missed = (await metrics.reconcileMissed.get()).values;
    for (const [resource, st] of [['order', orders], ['customer', customers]] as const) {
      const counted = missed.find((v) => v.labels.resource === resource)?.value ?? 0;
      if (st && st.missedTotal > counted) metrics.reconcileMissed.inc({ resource }, st.missedTotal - counted);
    }
    if (orders?.watermark) metrics.reconcileWatermark.set(Date.parse(orders.watermark) / 1000);
    const lastRun = orders?.lastRunAt;
    // Never ran, or webhooks-only mode: no sample at all (hence the label: prom-client shows a label-less gauge
    // as 0), so "unknown" never reads as "no lag".
    if (!lastRun) return metrics.reconcileLag.remove({ resource: 'order' });
    metrics.reconcileLag.set({ resource: 'order' }, Math.max(0, (now.getTime() - Date.parse(lastRun)) / 1000));
  }

  async function webhooks() {
    // The check job sets this gauge in the worker's process; the stored report makes it true in the API's too.
    const report = (await getState<HealthReport>(pool, HEALTH_KEY))?.value;
    if (!report) return;
    const counts = Object.fromEntries(WEBHOOK_STATES.map((s) => [s, 0])) as Record<WebhookState, number>;
    for (const t of report.topics) {
      const s = t.repaired ? 'ok' : t.state;
      if (s in counts) counts[s]++;
    }
    for (const s of WEBHOOK_STATES) metrics.shopWebhooks.set({ state: s }, counts[s]);
  }

  async function inbox(now: Date) {
    metrics.inboxOldest.set(Math.max(0, (await pool.query<{ oldest: number }>(INBOX, [now])).rows[0]!.oldest));
  }

  return async () => {
    const now = clock.now();
    await Promise.allSettled([queues(), privacy(now), pushes(), erasureFollowUps(), mails(), sweeps(now), reconcile(now), webhooks(), inbox(now)]);
  };
}
