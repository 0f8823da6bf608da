import type { Logger } from 'pino';
import type { Pool, Queryable } from '../platform/db.js';
import { safeError } from '../platform/logger.js';
import type { ReviewsClient } from './reviews/reviews.types.js';
import { ProcessorError } from './types.js';
import { ordersReachedSql } from './erasure-followups.repository.js';

/**
 * GDPR Art. 19: a processor that received a forgotten person's data is asked to erase it too. The review site is
 * the one that can hold it after the fact (Snelstart keeps invoices by law; PostNL shipments are the carrier's).
 * The own site erases through its API; Kiyoh cannot, so the erasure records `manual_required`. The emails come
 * from the erasure in memory and are never stored: a call that fails is recorded `failed`, to be done by hand. The
 * erasure's transaction records each item `pending` (recordPendingFanOut), so a process that dies before the call
 * leaves a row that settleInterruptedFanOuts turns into `failed`, naming the orders whose invitations to erase.
 */

export type FanOutItem = { tombstoneId: string; processor: 'reviews'; emails: string[] };
export type FanOutResult = { tombstoneId: string; processor: string; status: 'done' | 'manual_required' | 'failed'; detail: string | null };

/* $1 tombstone ids, $2 processors — inside the erasure's transaction */
const PENDING = /* sql */ `
  INSERT INTO processor_erasures (tombstone_id, processor, status) SELECT t, p, 'pending' FROM unnest($1::uuid[], $2::text[]) AS x(t, p)`;

export async function recordPendingFanOut(db: Queryable, items: FanOutItem[]): Promise<void> {
  if (items.length) await db.query(PENDING, [items.map((i) => i.tombstoneId), items.map((i) => i.processor)]);
}

/* $1 tombstone ids, $2 processors, $3 statuses, $4 details — settles the rows the erasure recorded pending */
const RECORD = /* sql */ `
  UPDATE processor_erasures e SET status = x.status, detail = x.detail, updated_at = now()
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS x(tombstone_id, processor, status, detail)
  WHERE e.tombstone_id = x.tombstone_id AND e.processor = x.processor AND e.status = 'pending'`;

/* $1 minimum age (ms) — pending rows no call is still settling: their process died between commit and call */
const SETTLE_INTERRUPTED = /* sql */ `
  UPDATE processor_erasures e SET status = 'failed', updated_at = now(),
    detail = 'interrupted before the review site was asked; ask it by hand to erase the invitations of '
      || COALESCE('orders ' || array_to_string(${ordersReachedSql('e')}, ', '), 'tombstone ' || e.tombstone_id::text)
  WHERE e.status = 'pending' AND e.created_at < now() - make_interval(secs => $1::float8 / 1000)
  RETURNING e.id`;

/** Turns fan-outs interrupted by a process's death into `failed` rows for manual follow-up. Returns how many. */
export async function settleInterruptedFanOuts(db: Queryable, minAgeMs = 10 * 60_000): Promise<number> {
  return (await db.query(SETTLE_INTERRUPTED, [minAgeMs])).rowCount ?? 0;
}

export function createErasureFanOut(deps: { pool: Pool; reviews: ReviewsClient | null; log: Logger }) {
  async function eraseAt(client: ReviewsClient, email: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.erase(email);
        return;
      } catch (err) {
        const retry = err instanceof ProcessorError && err.kind !== 'permanent' && err.kind !== 'auth' && attempt < 3;
        if (!retry) throw err;
        await new Promise((r) => setTimeout(r, Math.min((err as ProcessorError).retryAfterMs ?? 500 * attempt, 5000)));
      }
    }
  }

  return async function fanOut(items: FanOutItem[]): Promise<FanOutResult[]> {
    const results: FanOutResult[] = [];
    for (const item of items) {
      const client = deps.reviews;
      if (!client) {
        results.push({ ...item, status: 'manual_required', detail: 'the review site is no longer configured: ask it to erase by hand' });
      } else if (!client.canErase) {
        results.push({ ...item, status: 'manual_required', detail: `${client.provider} cannot erase through its API: ask it to erase by hand` });
      } else {
        try {
          for (const email of item.emails) await eraseAt(client, email);
          results.push({ ...item, status: 'done', detail: null });
        } catch (err) {
          deps.log.warn({ tombstoneId: item.tombstoneId, err: safeError(err) }, 'review site erasure failed; recorded for manual follow-up');
          const why = err instanceof ProcessorError ? err.safeMessage : 'error';
          results.push({ ...item, status: 'failed', detail: `${why}; ask the review site to erase by hand` });
        }
      }
    }
    if (results.length) {
      await deps.pool.query(RECORD, [results.map((r) => r.tombstoneId), results.map((r) => r.processor), results.map((r) => r.status), results.map((r) => r.detail)]);
    }
    return results.map(({ tombstoneId, processor, status, detail }) => ({ tombstoneId, processor, status, detail }));
  };
}

export type ErasureFanOut = ReturnType<typeof createErasureFanOut>;
