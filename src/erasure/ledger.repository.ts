import type { Queryable } from '../platform/db.js';

/** SQL of the erasure ledger: committed tombstones not yet appended to the ledger file, and marking them appended. */

const COLUMNS = /* sql */ `t.id, t.wc_customer_id, t.erased_at, t.reason, t.reason_ref, to_json(t.categories) AS categories,
  (SELECT json_agg(encode(k.subject_key, 'hex') ORDER BY k.subject_key) FROM erasure_subject_keys k WHERE k.tombstone_id = t.id) AS keys`;

/* $1 limit */
const UNLEDGERED = /* sql */ `
  SELECT ${COLUMNS} FROM erasure_tombstones t WHERE t.ledgered_at IS NULL ORDER BY t.erased_at, t.id LIMIT $1`;
/* $1 tombstone ids — by primary key (the partial "unledgered" index walks a sweep's dead entries until vacuum) */
const STILL_UNLEDGERED = /* sql */ `SELECT id FROM erasure_tombstones WHERE id = ANY($1::uuid[]) AND ledgered_at IS NULL`;
/* $1 ids */
const MARK_LEDGERED = /* sql */ `UPDATE erasure_tombstones SET ledgered_at = now() WHERE id = ANY($1::uuid[])`;

export interface UnledgeredTombstone {
  id: string; wcCustomerId: number | null; erasedAt: Date; reason: string; ref: string | null; categories: string[];
  /** Hex, as the ledger writes them (JSON: node-postgres would parse a bytea[] character by character). */
  subjectKeys: string[];
}

/** The oldest `limit` unledgered tombstones. */
export async function unledgeredTombstones(db: Queryable, limit: number): Promise<UnledgeredTombstone[]> {
  const { rows } = await db.query(UNLEDGERED, [limit]);
  return rows.map((r) => ({
    id: r.id, wcCustomerId: r.wc_customer_id === null ? null : Number(r.wc_customer_id), erasedAt: r.erased_at, reason: r.reason,
    ref: r.reason_ref, categories: r.categories, subjectKeys: r.keys ?? [],
  }));
}

/** Those of the ids not in the ledger yet (another writer may have appended them meanwhile). */
export async function stillUnledgered(db: Queryable, ids: string[]): Promise<Set<string>> {
  return new Set((await db.query<{ id: string }>(STILL_UNLEDGERED, [ids])).rows.map((r) => r.id));
}

export async function markLedgered(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length) await db.query(MARK_LEDGERED, [ids]);
}
