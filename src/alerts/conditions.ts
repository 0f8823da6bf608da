import type { Queryable } from '../platform/db.js';
import type { AlertFacts } from '../mail/templates.js';
import { getState } from '../sync/sync-state.repository.js';
import { HEALTH_KEY, type HealthReport } from '../shop-webhooks/webhooks.service.js';
import { STATE_KEY, type OrdersState } from '../reconcile/reconcile.service.js';
import { openFollowUpCounts } from '../processors/erasure-followups.repository.js';
import { failedSubjectMails } from '../mail/outbox.repository.js';

/**
 * What is wrong right now, read from Postgres only (the stored health report, sweeps, inbox, reconciliation state,
 * processor pushes, processor erasures), so the check gives the same answer in whichever process runs it. Each condition has a stable
 * key and the items it is about (topics, sweep ids, sync ids): a new item re-raises the condition, see alert-state.ts.
 */

export interface Condition {
  key: string;
  items: string[];
  /** The mail's facts; `fresh` are the items not mailed before (all of them for a new condition). */
  facts(fresh: string[]): AlertFacts;
  /**
   * For items that are ids which only grow and are listed newest first up to a cap (failed pushes, erasure items):
   * an item is news only when newer than every item mailed before, so an old one moving into the capped list as a
   * newer one is closed is not mailed again.
   */
  rank?: (item: string) => number;
}

export interface Thresholds {
  /** An undelivered inbox row older than this is a backlog (ALERT_BACKLOG_MINUTES, default 15). */
  backlogMinutes: number;
  /** Order reconciliation not run for longer than this is lag (ALERT_RECONCILE_LAG_HOURS, default 2). */
  reconcileLagHours: number;
}

/* $1 since — sweeps the interlock held back or that failed for good, finished since the window's start */
const SWEEPS = /* sql */ `
  SELECT id::text AS id, status, COALESCE(blocked, '[]'::jsonb) AS reasons FROM retention_sweeps
  WHERE status IN ('failed', 'blocked') AND finished_at > $1 ORDER BY finished_at, id`;
/* $1 received before */
const BACKLOG = /* sql */ `
  SELECT count(*)::int AS n, min(received_at) AS oldest FROM webhook_inbox WHERE processed_at IS NULL AND received_at <= $1`;
/* the newest 50 failed ids per processor are enough to notice a new one (ids only grow) */
const PUSHES = /* sql */ `
  SELECT processor, count(*)::int AS n, (array_agg(id::text ORDER BY id DESC))[1:50] AS ids
  FROM processor_syncs WHERE status = 'failed' GROUP BY processor ORDER BY processor`;

const minutes = (ms: number) => Math.round(ms / 60_000);

async function webhooks(db: Queryable): Promise<Condition[]> {
  const report = (await getState<HealthReport>(db, HEALTH_KEY))?.value;
  const disabled = (report?.topics ?? []).filter((t) => t.state === 'disabled' && !t.repaired);
  if (!disabled.length) return [];
  const topics = disabled.map((t) => ({ topic: t.topic, webhookId: t.webhookId ?? null }));
  return [{ key: 'webhook_disabled', items: topics.map((t) => t.topic), facts: () => ({ kind: 'webhook_disabled', topics }) }];
}

async function sweeps(db: Queryable, since: Date): Promise<Condition[]> {
  const { rows } = await db.query<{ id: string; status: 'failed' | 'blocked'; reasons: unknown }>(SWEEPS, [since]);
  return rows.map((r) => ({
    key: `sweep_${r.status}:${r.id}`,
    items: [r.id],
    facts: (): AlertFacts => (r.status === 'failed'
      ? { kind: 'sweep_failed', sweepId: r.id }
      : { kind: 'sweep_blocked', sweepId: r.id, reasons: Array.isArray(r.reasons) ? r.reasons.map(String) : [] }),
  }));
}

async function backlog(db: Queryable, now: Date, t: Thresholds): Promise<Condition[]> {
  const { rows } = await db.query<{ n: number; oldest: Date | null }>(BACKLOG, [new Date(now.getTime() - t.backlogMinutes * 60_000)]);
  const { n, oldest } = rows[0]!;
  if (!n || !oldest) return [];
  const facts = { kind: 'inbox_backlog' as const, count: n, oldestMinutes: minutes(now.getTime() - oldest.getTime()), thresholdMinutes: t.backlogMinutes };
  return [{ key: 'inbox_backlog', items: [], facts: () => facts }];
}

async function reconcileLag(db: Queryable, now: Date, t: Thresholds): Promise<Condition[]> {
  // No state: webhooks-only mode or never run — not a lag this check can measure (the sweep's interlock covers it).
  const lastRunAt = (await getState<OrdersState>(db, STATE_KEY.orders))?.value.lastRunAt;
  if (!lastRunAt) return [];
  const lagMs = now.getTime() - Date.parse(lastRunAt);
  if (lagMs <= t.reconcileLagHours * 3_600_000) return [];
  const facts = { kind: 'reconcile_lag' as const, lastRunAt, lagHours: Math.round(lagMs / 360_000) / 10, thresholdHours: t.reconcileLagHours };
  return [{ key: 'reconcile_lag', items: [], facts: () => facts }];
}

async function pushes(db: Queryable): Promise<Condition[]> {
  const { rows } = await db.query<{ processor: string; n: number; ids: string[] }>(PUSHES);
  if (!rows.length) return [];
  const byProcessor = Object.fromEntries(rows.map((r) => [r.processor, r.n]));
  const items = rows.flatMap((r) => r.ids.map((id) => `${r.processor}:${id}`));
  return [{
    key: 'push_failed',
    items,
    rank: (i) => Number(i.split(':')[1]),
    facts: (fresh) => ({
      kind: 'push_failed', byProcessor,
      newSyncIds: fresh.map((i) => Number(i.split(':')[1])).sort((a, b) => a - b).slice(0, 50),
    }),
  }];
}

/** Processor erasures (Art. 19) an operator must finish by hand: each new one is news until it is closed. */
async function erasureFollowUps(db: Queryable): Promise<Condition[]> {
  const rows = await openFollowUpCounts(db);
  if (!rows.length) return [];
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  return [{
    key: 'erasure_followup',
    items: rows.flatMap((r) => r.ids),
    rank: Number,
    facts: (fresh) => ({ kind: 'erasure_followup', byStatus, newIds: fresh.map(Number).sort((a, b) => a - b).slice(0, 50) }),
  }];
}

/** A mail to a data subject failed for good: the answer to a privacy request did not reach them. */
async function mailFailed(db: Queryable): Promise<Condition[]> {
  const { n, ids } = await failedSubjectMails(db);
  if (!n) return [];
  return [{ key: 'mail_failed', items: ids, rank: Number, facts: (fresh) => ({ kind: 'mail_failed', count: n, newIds: fresh.map(Number).sort((a, b) => a - b) }) }];
}

/** Every condition that holds at `now`; sweeps count when they ended after `sweepsSince`. */
export async function evaluate(db: Queryable, now: Date, sweepsSince: Date, t: Thresholds): Promise<Condition[]> {
  // One after another: `db` is the check's transaction client, which runs one query at a time.
  return [
    ...await webhooks(db), ...await sweeps(db, sweepsSince), ...await backlog(db, now, t), ...await reconcileLag(db, now, t), ...await pushes(db),
    ...await erasureFollowUps(db), ...await mailFailed(db),
  ];
}
