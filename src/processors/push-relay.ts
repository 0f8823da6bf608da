import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import type { Queues } from '../platform/queues.js';
import { safeError } from '../platform/logger.js';
import { JobName, jobId } from '../jobs.js';
import { claimUnqueued } from './sync.repository.js';
import type { ProcessorId } from './types.js';

/**
 * The outbox of pushes: sync records are written in the mirror's transaction; this moves pending ones into their
 * processor's queue (claim and enqueue in one transaction: Redis down → nothing claimed, retried next pass).
 * Kicked after each mirror batch and run every minute by the scheduler, so nothing waits for long.
 */

const JOB: Record<ProcessorId, typeof JobName.PushSnelstart | typeof JobName.PushPostnl | typeof JobName.PushReviews> = {
  snelstart: JobName.PushSnelstart, postnl: JobName.PushPostnl, reviews: JobName.PushReviews,
};

export const PUSH_ATTEMPTS = 10;

export function createPushRelay(deps: { pool: Pool; queues: Queues; log: Logger; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  let running: Promise<number> | null = null;
  let again = false;

  async function pass(): Promise<number> {
    if (!deps.queues.isReady()) return 0;
    let total = 0;
    for (;;) {
      const n = await withTransaction(deps.pool, async (db) => {
        const claimed = await claimUnqueued(db, 500);
        for (const p of ['snelstart', 'postnl', 'reviews'] as const) {
          const mine = claimed.filter((c) => c.processor === p);
          if (!mine.length) continue;
          await deps.queues.push[p].addBulk(mine.map((c) => ({
            name: JOB[p],
            data: { syncId: c.id },
            opts: {
              jobId: jobId.push(c.id, Date.now()),
              delay: Math.max(0, c.runAt.getTime() - now().getTime()),
              attempts: PUSH_ATTEMPTS,
              backoff: { type: 'push' },
            },
          })));
        }
        return claimed.length;
      });
      total += n;
      if (n < 500) return total;
    }
  }

  /** Runs a pass soon; concurrent kicks fold into one more pass. */
  function kick(): void {
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((err) => {
        deps.log.warn({ err: safeError(err) }, 'push relay pass failed; the scheduled pass retries');
        return 0;
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    pass,
    kick,
    async idle(): Promise<void> {
      while (running) await running;
    },
  };
}

export type PushRelay = ReturnType<typeof createPushRelay>;
