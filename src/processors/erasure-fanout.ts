import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import { safeError } from '../platform/logger.js';
import type { ReviewsClient } from './reviews/reviews.types.js';
import { ProcessorError } from './types.js';

/**
 * GDPR Art. 19: a processor that received a forgotten person's data is asked to erase it too. The review site is
 * the one that can hold it after the fact (Snelstart keeps invoices by law; PostNL shipments are the carrier's).
 * The own site erases through its API; Kiyoh cannot, so the erasure records `manual_required`. The emails come
 * from the erasure in memory and are never stored: a call that fails is recorded `failed`, to be done by hand.
 */

export type FanOutItem = { tombstoneId: string; processor: 'reviews'; emails: string[] };
export type FanOutResult = { tombstoneId: string; processor: string; status: 'done' | 'manual_required' | 'failed'; detail: string | null };

/* $1 tombstone ids, $2 processors, $3 statuses, $4 details */
const RECORD = /* sql */ `
  INSERT INTO processor_erasures (tombstone_id, processor, status, detail) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`;

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
