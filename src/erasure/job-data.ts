import type { Queue } from 'bullmq';
import type { Pool } from '../platform/db.js';

/**
 * Erasure reaches finished jobs too: jobs carry ids, never personal data, but a failed or completed job that
 * points at an erased person's delivery or order is removed, so nothing in the queues leads back to them.
 * One scan of the finished jobs per call (the queues keep a bounded number of them).
 */

/* $1 inbox ids, $2 wc order ids, $3 wc customer ids */
const ERASED_REFERENCES = /* sql */ `
  SELECT 'inbox' AS kind, id AS ref FROM webhook_inbox WHERE id = ANY($1::bigint[]) AND scrubbed_at IS NOT NULL
  UNION ALL
  SELECT 'order', o.wc_order_id FROM orders o JOIN persons p ON p.id = o.person_id
  WHERE o.wc_order_id = ANY($2::bigint[]) AND p.status = 'erased'
  UNION ALL
  SELECT 'customer', wc_customer_id FROM erasure_tombstones WHERE wc_customer_id = ANY($3::bigint[])`;

type Refs = { inbox: number[]; order: number[]; customer: number[] };

function refsOf(data: unknown): Refs {
  const d = (data ?? {}) as { inboxId?: unknown; inboxIds?: unknown; resource?: unknown; wcId?: unknown };
  const inbox = [d.inboxId, ...(Array.isArray(d.inboxIds) ? d.inboxIds : [])].filter((v): v is number => typeof v === 'number');
  const wcId = typeof d.wcId === 'number' ? d.wcId : null;
  return {
    inbox,
    order: d.resource === 'order' && wcId !== null ? [wcId] : [],
    customer: d.resource === 'customer' && wcId !== null ? [wcId] : [],
  };
}

export async function removeFinishedJobsOfErased(pool: Pool, queues: Queue[]): Promise<number> {
  let removed = 0;
  for (const queue of queues) {
    const jobs = (await queue.getJobs(['failed', 'completed'])).filter((j) => j?.id);
    if (!jobs.length) continue;
    const refs = jobs.map((j) => ({ job: j, refs: refsOf(j.data) }));
    const all: Refs = { inbox: [], order: [], customer: [] };
    for (const r of refs) for (const k of ['inbox', 'order', 'customer'] as const) all[k].push(...r.refs[k]);
    if (!all.inbox.length && !all.order.length && !all.customer.length) continue;
    const { rows } = await pool.query<{ kind: keyof Refs; ref: string }>(ERASED_REFERENCES, [all.inbox, all.order, all.customer]);
    const erased = new Set(rows.map((r) => `${r.kind}:${r.ref}`));
    for (const { job, refs: r } of refs) {
      const hit = (['inbox', 'order', 'customer'] as const).some((k) => r[k].some((id) => erased.has(`${k}:${id}`)));
      if (hit) {
        await job.remove().catch(() => undefined); // already gone (removeOnComplete) is fine
        removed++;
      }
    }
  }
  return removed;
}
