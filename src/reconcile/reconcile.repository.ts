import type { Queryable } from '../platform/db.js';

/*
 * $1 wc order ids, $2 their date_modified_gmt — the fetched versions that the mirror does not hold yet and that no
 * webhook delivered (a webhook received after the change would have carried it; it may still be in the inbox).
 * A version an earlier page or run of reconciliation already found (re-read by the overlap or a keyset restart,
 * maybe not applied yet) was counted then, not again.
 */
const MISSED_ORDERS = /* sql */ `
  SELECT count(*)::int AS n
  FROM unnest($1::bigint[], $2::timestamptz[]) AS r(id, modified)
  LEFT JOIN orders o ON o.wc_order_id = r.id
  WHERE (o.id IS NULL OR o.date_modified_gmt IS NULL OR o.date_modified_gmt < r.modified)
    AND NOT EXISTS (
      SELECT 1 FROM webhook_inbox w
      WHERE w.resource = 'order' AND w.resource_id = r.id AND w.origin IN ('webhook', 'reconcile') AND w.received_at >= r.modified)`;

/* $1 wc customer ids, $2 their date_modified_gmt — a customer id may sit on an erased person and a new one */
const MISSED_CUSTOMERS = /* sql */ `
  SELECT count(*)::int AS n
  FROM unnest($1::bigint[], $2::timestamptz[]) AS r(id, modified)
  CROSS JOIN LATERAL (SELECT max(wc_account_modified_at) AS modified FROM persons WHERE wc_customer_id = r.id) p
  WHERE (p.modified IS NULL OR p.modified < r.modified)
    AND NOT EXISTS (
      SELECT 1 FROM webhook_inbox w
      WHERE w.resource = 'customer' AND w.resource_id = r.id AND w.origin IN ('webhook', 'reconcile') AND w.received_at >= r.modified)`;

/** How many of these fetched versions the webhooks missed. */
export async function countMissed(db: Queryable, resource: 'order' | 'customer', ids: number[], modified: (Date | null)[]): Promise<number> {
  const keep = ids.map((id, i) => [id, modified[i]] as const).filter(([, m]) => m !== null);
  if (!keep.length) return 0;
  const { rows } = await db.query<{ n: number }>(resource === 'order' ? MISSED_ORDERS : MISSED_CUSTOMERS, [
    keep.map(([id]) => id),
    keep.map(([, m]) => m),
  ]);
  return rows[0]!.n;
}

/* no params: where a first reconciliation starts when it has no watermark yet */
const NEWEST_MIRRORED = /* sql */ `SELECT max(date_modified_gmt) AS newest FROM orders`;

export async function newestMirroredOrder(db: Queryable): Promise<Date | null> {
  const { rows } = await db.query<{ newest: Date | null }>(NEWEST_MIRRORED);
  return rows[0]?.newest ?? null;
}
