import type { Pool } from '../platform/db.js';
import { createBatcher } from '../platform/batcher.js';
import type { Metrics } from '../platform/metrics.js';
import { type NewDelivery, insertDeliveries } from './inbox.repository.js';

/**
 * Records deliveries durably. Concurrent requests are folded into one multi-row INSERT (one commit), which
 * keeps the request path cheap; each request learns whether its delivery was new or a duplicate. New rows are
 * written claimed, and their ids go straight to the relay after the commit (`onCommitted`).
 */
export function createIntakeService(deps: { pool: Pool; metrics: Metrics; onCommitted: (ids: number[]) => void }) {
  const batcher = createBatcher<NewDelivery, boolean>({
    maxSize: 200,
    concurrency: 4,
    // Under load, batches of ~20 rows instead of ~13: measured ~6 µs less Postgres CPU per delivery; idle is unaffected.
    minBatch: 8,
    run: async (batch) => {
      const ids = await insertDeliveries(deps.pool, batch, { claimed: true });
      deps.metrics.intakeBatchSize.observe(batch.length);
      const fresh = ids.filter((id): id is number => id !== null);
      if (fresh.length) deps.onCommitted(fresh);
      return ids.map((id) => id !== null);
    },
  });
  return {
    async record(d: NewDelivery): Promise<'accepted' | 'duplicate'> {
      return (await batcher.add(d)) ? 'accepted' : 'duplicate';
    },
    flushed: () => batcher.flushed(),
  };
}

export type IntakeService = ReturnType<typeof createIntakeService>;
