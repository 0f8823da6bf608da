import type { Queryable } from '../platform/db.js';

/** SQL of the erasure ledger: committed tombstones not yet appended to the ledger file, and marking them appended. */

const COLUMNS = /* sql */ `t.id, t.wc_customer_id, t.erased_at, t.reason, t.reason_ref, to_json(t.categories) AS categories,
  (SELECT json_agg(encode(k.subject_key, 'hex') ORDER BY k.subject_key) FROM erasure_subject_keys k WHERE k.tombstone_id = t.id) AS keys`;

/* $1 limit */
const UNLEDGERED = /* sql */ `
  SELECT ${COLUMNS} FROM erasure_tombstones t WHERE t.ledgered_at IS NULL ORDER BY t.erased_at, t.id LIMIT $1`;
/*
 * $1 tombstone ids — by primary key. A sweep marks hundreds of thousands of tombstones with one erased_at; until
 * vacuum, each scan of the partial "unledgered" index walks all their dead entries, so per batch that grew quadratic.
 */
const UNLEDGERED_OF = /* sql */ `
  SELECT ${COLUMNS} FROM erasure_tombstones t WHERE t.id = ANY($1::uuid[]) AND t.ledgered_at IS NULL ORDER BY t.erased_at, t.id`;
/* $1 ids */
const MARK_LEDGERED = /* sql */ `UPDATE erasure_tombstones SET ledgered_at = now() WHERE id = ANY($1::uuid[])`;

export interface UnledgeredTombstone {
  id: string; wcCustomerId: number | null; erasedAt: Date; reason: string; ref: string | null; categories: string[];
  /** Hex, as the ledger writes them (JSON: node-postgres would parse a bytea[] character by character). */
  subjectKeys: string[];
}

/** Unledgered tombstones: the oldest `limit`, or those among `ids`. */
export async function unledgeredTombstones(db: Queryable, which: { limit: number } | { ids: string[] }): Promise<UnledgeredTombstone[]> {
  const { rows } = await ('ids' in which ? db.query(UNLEDGERED_OF, [which.ids]) : db.query(UNLEDGERED, [which.limit]));
  return rows.map((r) => ({
    id: r.id, wcCustomerId: r.wc_customer_id === null ? null : Number(r.wc_customer_id), erasedAt: r.erased_at, reason: r.reason,
    ref: r.reason_ref, categories: r.categories, subjectKeys: r.keys ?? [],
  }));
}

export async function markLedgered(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length) await db.query(MARK_LEDGERED, [ids]);
}
