import type { Queryable } from '../platform/db.js';
import { mayHaveReached } from './sync.repository.js';

/**
 * Processor erasures an operator must finish by hand (Art. 19): the processor's API failed for good, or it has none
 * (Kiyoh). The forgotten person's emails are gone by design, so each item names what is left to find the data at the
 * processor: the numbers of the orders whose pushes may have reached it (the anonymised administration keeps them).
 */

export type FollowUpState = 'open' | 'resolved' | 'all';

export interface ErasureFollowUp {
  id: number;
  tombstoneId: string;
  processor: string;
  status: 'failed' | 'manual_required';
  detail: string | null;
  /** Order numbers whose push to this processor may have reached it; empty once the orders are gone too. */
  orders: string[];
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  note: string | null;
}

/**
 * The numbers of the orders of a processor erasure `e` (a processor_erasures row) whose push to that processor may
 * have reached it — what an operator looks up at the processor; NULL when none is left (orders erased since).
 */
export const ordersReachedSql = (e: string): string => /* sql */ `(SELECT array_agg(DISTINCT o.number ORDER BY o.number)
  FROM erasure_tombstones t JOIN orders o ON o.person_id = t.person_id
  JOIN processor_syncs s ON s.order_id = o.id AND s.processor = ${e}.processor
  WHERE t.id = ${e}.tombstone_id AND ${mayHaveReached('s')})`;

const OPEN = /* sql */ `e.resolved_at IS NULL`;
const WHERE: Record<FollowUpState, string> = { open: OPEN, resolved: `NOT (${OPEN})`, all: 'true' };

const SELECT = /* sql */ `
  SELECT e.id, e.tombstone_id::text AS tombstone_id, e.processor, e.status, e.detail, e.created_at, e.resolved_at,
    e.resolved_by, e.resolution_note,
    COALESCE(${ordersReachedSql('e')}, '{}') AS orders
  FROM processor_erasures e`;
const NEEDS_HAND = /* sql */ `e.status IN ('failed', 'manual_required')`;

type Row = {
  id: string; tombstone_id: string; processor: string; status: ErasureFollowUp['status']; detail: string | null; created_at: Date;
  resolved_at: Date | null; resolved_by: string | null; resolution_note: string | null; orders: string[];
};
const present = (r: Row): ErasureFollowUp => ({
  id: Number(r.id), tombstoneId: r.tombstone_id, processor: r.processor, status: r.status, detail: r.detail, orders: r.orders,
  createdAt: r.created_at, resolvedAt: r.resolved_at, resolvedBy: r.resolved_by, note: r.resolution_note,
});

/** Oldest first: the longest-waiting item is the one most overdue. */
export async function listErasureFollowUps(db: Queryable, state: FollowUpState, limit = 500): Promise<ErasureFollowUp[]> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE ${NEEDS_HAND} AND ${WHERE[state]} ORDER BY e.id LIMIT $1`, [limit]);
  return rows.map(present);
}

export async function getErasureFollowUp(db: Queryable, id: number): Promise<ErasureFollowUp | null> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE ${NEEDS_HAND} AND e.id = $1`, [id]);
  return rows[0] ? present(rows[0]) : null;
}

/* $1 id, $2 by, $3 note — only an open item closes, so two operators closing it at once record one of them */
const RESOLVE = /* sql */ `
  UPDATE processor_erasures e SET resolved_at = now(), resolved_by = $2, resolution_note = $3
  WHERE e.id = $1 AND ${NEEDS_HAND} AND ${OPEN} RETURNING e.id`;

/** true when this call closed it; false when there is no such open item (unknown, not hand work, or closed already). */
export async function resolveErasureFollowUp(db: Queryable, id: number, by: string, note: string): Promise<boolean> {
  return ((await db.query(RESOLVE, [id, by, note])).rowCount ?? 0) > 0;
}

/* the newest 50 open ids per status are enough to notice a new one (ids only grow) */
const OPEN_COUNTS = /* sql */ `
  SELECT e.status, count(*)::int AS n, (array_agg(e.id::text ORDER BY e.id DESC))[1:50] AS ids
  FROM processor_erasures e WHERE ${NEEDS_HAND} AND ${OPEN} GROUP BY e.status ORDER BY e.status`;

/** Open items per status, for the alert check. */
export async function openFollowUpCounts(db: Queryable): Promise<{ status: string; n: number; ids: string[] }[]> {
  return (await db.query<{ status: string; n: number; ids: string[] }>(OPEN_COUNTS)).rows;
}
