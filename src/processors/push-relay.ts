import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import type { Queues } from '../platform/queues.js';
import { safeError } from '../platform/logger.js';
import { JobName, jobId } from '../jobs.js';
import { claimUnqueued, enqueuedPending, setJobIds, unqueue } from './sync.repository.js';
import type { ProcessorId } from './types.js';

/**
 * The outbox of pushes: sync records are written in the mirror's transaction; this moves pending ones into their
 * processor's queue (claim and enqueue in one transaction: Redis down → nothing claimed, retried next pass).
 * Kicked after each mirror batch and run every minute by the scheduler, so nothing waits for long.
 *
 * A queue may lose jobs it had accepted (Redis back without its data: no persistence, a failover to a lagging
 * replica). So each record remembers its job id, and at most once a minute the records queued longer than
 * `lostAfterMs` ago and still pending are checked: a job that is gone, or finished while its record is still pending,
 * is lost, and the record goes back to the relay. A push done twice is harmless (each push looks up before it
 * creates), a push never done is not.
 */

const JOB: Record<ProcessorId, typeof JobName.PushSnelstart | typeof JobName.PushPostnl | typeof JobName.PushReviews> = {
  snelstart: JobName.PushSnelstart, postnl: JobName.PushPostnl, reviews: JobName.PushReviews,
};

export const PUSH_ATTEMPTS = 10;
const LOST_PAGES = 4;

export function createPushRelay(deps: { pool: Pool; queues: Queues; log: Logger; now?: () => Date; lostAfterMs?: number }) {
  const now = deps.now ?? (() => new Date());
  const lostAfterMs = deps.lostAfterMs ?? 10 * 60_000;
  let running: Promise<number> | null = null;
  let again = false;
  let lastLostCheck = 0;
  /** Where the last check stopped: each check goes on from there, up to LOST_PAGES pages, and wraps at the end. */
  let lostCursor: { enqueuedAt: Date; id: number } | null = null;

  /**
   * Hands records whose job the queue no longer holds back to the relay; returns how many. Checks up to LOST_PAGES
   * pages of 500, going on from where the previous check stopped, so every waiting record is reached in turn (a
   * full round takes a minute per 2,000 pushes waiting).
   */
  async function requeueLost(minAgeMs = lostAfterMs): Promise<number> {
    const lost: { id: number; jobId: string | null }[] = [];
    for (let page = 0; page < LOST_PAGES; page++) {
      const rows = await enqueuedPending(deps.pool, minAgeMs, 500, lostCursor);
      for (const r of rows) {
        const job = r.jobId ? await deps.queues.push[r.processor].getJob(r.jobId) : undefined;
        const state = job ? await job.getState() : 'missing';
        if (state === 'missing' || state === 'unknown' || state === 'completed' || state === 'failed') lost.push(r);
      }
      lostCursor = rows.length === 500 ? { enqueuedAt: rows[499]!.enqueuedAt, id: rows[499]!.id } : null;
      if (!lostCursor) break;
    }
    const n = await unqueue(deps.pool, lost);
    if (n) deps.log.warn({ records: n }, 'push jobs lost by the queue; their records are queued again');
    return n;
  }

  async function pass(): Promise<number> {
    if (!deps.queues.isReady()) return 0;
    if (Date.now() - lastLostCheck > 60_000) {
      lastLostCheck = Date.now();
      await requeueLost();
    }
    let total = 0;
    for (;;) {
      const n = await withTransaction(deps.pool, async (db) => {
        const claimed = await claimUnqueued(db, 500);
        for (const p of ['snelstart', 'postnl', 'reviews'] as const) {
          const mine = claimed.filter((c) => c.processor === p).map((c) => ({ ...c, jobId: jobId.push(c.id, Date.now()) }));
          if (!mine.length) continue;
          await setJobIds(db, mine);
          await deps.queues.push[p].addBulk(mine.map((c) => ({
            name: JOB[p],
            data: { syncId: c.id },
            opts: {
              jobId: c.jobId,
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
    requeueLost,
    async idle(): Promise<void> {
      while (running) await running;
    },
  };
}

export type PushRelay = ReturnType<typeof createPushRelay>;
