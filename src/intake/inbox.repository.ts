import type { Pool, Queryable } from '../platform/db.js';

/** The webhook inbox: durable record of every accepted delivery, relayed to the queue, then purged (P1). */

export type Origin = 'webhook' | 'backfill' | 'reconcile' | 'refetch';

export interface NewDelivery {
  source: string;
  topic: string;
  webhookId: string | null;
  bodySha256: Buffer;
  body: Buffer;
  /** Default 'webhook'; REST syncs feed the same pipeline with their own origin. */
  origin?: Origin;
  /** The resource's id when the body carries one (reconciliation asks "did a webhook bring this?"). */
  resourceId?: number | null;
}

const INSERT_COLUMNS = 8;
/*
 * One multi-row VALUES with a parameter per value: bodies travel as binary Buffers (an unnest of bytea[] would send
 * them as hex text, twice the bytes, parsed as an array literal). Per row: source, topic, webhook id, sha256, body,
 * origin, resource, resource id. `claimed` rows are written already marked relayed: the inserting process hands
 * their ids to the queue itself (see relay.ts), so no relay pass has to find and mark them again.
 */
function insertMany(rows: number, claimed: boolean): string {
  const values = Array.from({ length: rows }, (_, r) => {
    const p = (i: number) => `$${r * INSERT_COLUMNS + i}`;
    return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}::bigint${claimed ? ', now()' : ''})`;
  });
  return `INSERT INTO webhook_inbox (source, topic, webhook_id, body_sha256, body, origin, resource, resource_id${claimed ? ', enqueued_at' : ''})
  VALUES ${values.join(', ')}
  ON CONFLICT ON CONSTRAINT webhook_inbox_dedupe DO NOTHING
  RETURNING id, source, topic, body_sha256`;
}

/**
 * Micro-batches up to this size run as named (prepared) statements, one per row count and connection: parsing and
 * planning a fresh 400-parameter INSERT was a quarter of Postgres's CPU per delivery at intake batch sizes (measured:
 * 28 → 21 µs per row at 50 rows). Larger chunks (backfill, reconciliation) are rare enough to plan each time.
 */
const PREPARED_MAX_ROWS = 200;
const insertSql = { claimed: [] as string[], unclaimed: [] as string[] };
function insertQuery(rows: number, claimed: boolean, values: unknown[]): { text: string; values: unknown[]; name?: string } {
  if (rows > PREPARED_MAX_ROWS) return { text: insertMany(rows, claimed), values };
  const kind = claimed ? 'claimed' : 'unclaimed';
  insertSql[kind][rows] ??= insertMany(rows, claimed);
  return { name: `inbox_insert_${kind}_${rows}`, text: insertSql[kind][rows]!, values };
}

/**
 * Inserts a micro-batch of deliveries in one statement (one commit). Returns, per input, the new inbox id, or null
 * for a duplicate. Deliveries repeated inside the batch count as duplicates after the first. With `claimed`, the
 * caller promises to hand the new ids to the relay once committed (Relay.relayClaimed).
 */
export async function insertDeliveries(db: Queryable, batch: NewDelivery[], opts: { claimed?: boolean } = {}): Promise<(number | null)[]> {
  // latin1 maps each hash byte to one char: a unique key at half the length of hex, built once per row.
  const key = (source: string, topic: string, sha: Buffer) => `${source}\u0000${topic}\u0000${sha.toString('latin1')}`;
  const keys = batch.map((d) => key(d.source, d.topic, d.bodySha256));
  const firstIndex = new Map<string, number>();
  keys.forEach((k, i) => firstIndex.has(k) || firstIndex.set(k, i));
  const unique = [...firstIndex.values()].map((i) => batch[i]!);
  const inserted = new Map<string, number>();
  for (let i = 0; i < unique.length; i += 1000) { // bind parameters are limited to 65,535 per statement
    const chunk = unique.slice(i, i + 1000);
    const params = chunk.flatMap((d) => [
      d.source, d.topic, d.webhookId, d.bodySha256, d.body, d.origin ?? 'webhook', d.topic.split('.')[0], d.resourceId ?? null,
    ]);
    const { rows } = await db.query<{ id: string; source: string; topic: string; body_sha256: Buffer }>(
      insertQuery(chunk.length, opts.claimed ?? false, params));
    for (const r of rows) inserted.set(key(r.source, r.topic, r.body_sha256), Number(r.id));
  }
  return keys.map((k, i) => (firstIndex.get(k) === i ? inserted.get(k) ?? null : null));
}

/* $1 limit — claims and marks in one statement; the relay's transaction rolls the mark back if the queue add fails */
const CLAIM_UNRELAYED = /* sql */ `
  UPDATE webhook_inbox SET enqueued_at = now()
  WHERE id IN (SELECT id FROM webhook_inbox WHERE enqueued_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING id`;
/* $1 ids */
const MARK_RELAYED = /* sql */ `UPDATE webhook_inbox SET enqueued_at = now() WHERE id = ANY($1::bigint[])`;

/**
 * Oldest unrelayed rows, already marked relayed inside the caller's transaction: one statement and round trip instead
 * of a SELECT … FOR UPDATE and an UPDATE by id list (measured ~17 instead of ~19 µs of Postgres CPU per row). Sorted,
 * so a retried pass builds the same job ids.
 */
export async function claimUnrelayed(db: Queryable, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>({ name: 'inbox_claim_unrelayed', text: CLAIM_UNRELAYED, values: [limit] });
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

export async function markRelayed(db: Queryable, ids: number[]): Promise<void> {
  await db.query(MARK_RELAYED, [ids]);
}

/* $1 ids */
const UNCLAIM = /* sql */ `UPDATE webhook_inbox SET enqueued_at = NULL WHERE id = ANY($1::bigint[]) AND processed_at IS NULL`;

/** Rows claimed at insert whose ids could not be handed to the queue: back to unrelayed, for any relay pass. */
export async function unclaim(db: Queryable, ids: number[]): Promise<void> {
  if (ids.length) await db.query(UNCLAIM, [ids]);
}

/* $1 minimum age in seconds since the row was relayed, $2 id cursor, $3 limit; rows being applied are skipped */
const CLAIM_RELAYED_UNPROCESSED = /* sql */ `
  SELECT id FROM webhook_inbox
  WHERE processed_at IS NULL AND enqueued_at IS NOT NULL AND enqueued_at <= now() - make_interval(secs => $1)
    AND id > $2
  ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`;

/** Rows relayed at least minAgeMs ago but still unprocessed: Redis may have lost their jobs. */
export async function claimRelayedUnprocessed(db: Queryable, minAgeMs: number, afterId: number, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(CLAIM_RELAYED_UNPROCESSED, [minAgeMs / 1000, afterId, limit]);
  return rows.map((r) => r.id);
}

export interface InboxRow {
  id: number;
  topic: string;
  body: Buffer;
  bodySha256: Buffer;
  processedAt: Date | null;
  outcome: Outcome | null;
  reason: string | null;
  origin: Origin;
}
export type Outcome = 'applied' | 'stale' | 'ignored' | 'skipped' | 'failed' | 'refetch';

/* $1 ids — locks the rows so two workers never apply the same delivery at once */
const LOCK_FOR_PROCESSING = /* sql */ `
  SELECT id, topic, body, body_sha256, processed_at, outcome, reason, origin
  FROM webhook_inbox WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`;

export async function lockForProcessing(db: Queryable, ids: number[]): Promise<InboxRow[]> {
  const { rows } = await db.query(LOCK_FOR_PROCESSING, [ids]);
  return rows.map((r) => ({
    id: r.id, topic: r.topic, body: r.body, bodySha256: r.body_sha256,
    processedAt: r.processed_at, outcome: r.outcome, reason: r.reason, origin: r.origin,
  }));
}

/* $1 ids, $2 outcomes, $3 reasons */
const RECORD_OUTCOMES = /* sql */ `
  UPDATE webhook_inbox w SET processed_at = now(), outcome = r.outcome, reason = r.reason
  FROM unnest($1::bigint[], $2::text[], $3::text[]) AS r(id, outcome, reason)
  WHERE w.id = r.id`;

export async function recordOutcomes(db: Queryable, results: { id: number; outcome: Outcome; reason: string | null }[]): Promise<void> {
  if (!results.length) return;
  await db.query(RECORD_OUTCOMES, [results.map((r) => r.id), results.map((r) => r.outcome), results.map((r) => r.reason)]);
}

/* $1 retention days, $2 batch size */
const PURGE_PROCESSED = /* sql */ `
  DELETE FROM webhook_inbox WHERE id IN (
    SELECT id FROM webhook_inbox
    WHERE processed_at < now() - make_interval(days => $1) LIMIT $2)`;

/**
 * P1: raw bodies (and their dedupe hashes) go RAW_PAYLOAD_RETENTION_DAYS after processing; never before a
 * delivery was processed. Deletes in batches so a large backlog never holds long locks. Returns rows removed.
 */
export async function purgeProcessed(pool: Pool, days: number, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(PURGE_PROCESSED, [days, batch]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return total;
  }
}

/* no params */
const BACKLOG = /* sql */ `
  SELECT count(*) FILTER (WHERE enqueued_at IS NULL) AS unrelayed,
         count(*) FILTER (WHERE processed_at IS NULL) AS unprocessed
  FROM webhook_inbox WHERE processed_at IS NULL`;

export async function backlog(db: Queryable): Promise<{ unrelayed: number; unprocessed: number }> {
  const { rows } = await db.query<{ unrelayed: number; unprocessed: number }>(BACKLOG);
  return rows[0]!;
}
